"""The LTX-2 family: `family.py` (the four operations), `pipelines.py` (loading and the diffusers
calls), `tiny.py` (tiny random-weight pipelines for tests and the CPU mode of the GPU check)."""

from .family import LTX2Family, load

__all__ = ["LTX2Family", "load"]
