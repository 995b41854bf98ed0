"""The runner protocol, version 1 (docs/runner-protocol.md): wire models and the HTTP client."""
