"""`vidforge-runner`: load a model family once, then pull and run tasks until stopped.

Exit codes: 0 stopped by a signal, 2 bad flags or weights that cannot be loaded, 3 the server
refused the token (401), 4 the server refused the claim (400/403: flags the token does not allow).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import cast, get_args

from .families import FAMILIES, load_family
from .families.base import Dtype, LoadOptions, Offload
from .protocol.client import RunnerClient
from .protocol.models import TaskType
from .runner import LoopOptions, Runner

EXIT_USAGE = 2


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def _operations(text: str) -> list[TaskType]:
    known = get_args(TaskType)
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [part for part in chosen if part not in known]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"operations are a comma list of {', '.join(known)}; got {text!r}")
    return [cast(TaskType, part) for part in dict.fromkeys(chosen)]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="vidforge-runner",
        description="Pulls video tasks from a Vidforge server and runs them with open-weight models.",
    )
    p.add_argument("--server", required=True, help="the Vidforge server, e.g. https://vidforge.example.com")
    p.add_argument("--token", help="runner token (vfr_…); default: $VIDFORGE_RUNNER_TOKEN")
    p.add_argument("--family", required=True, choices=sorted(FAMILIES), help="model family to serve")
    p.add_argument("--model", required=True, help="weights: a local directory, or a Hugging Face repo id / cache entry")
    p.add_argument("--upsampler", help="latent upsampler weights (default: the model's latent_upsampler folder)")
    p.add_argument("--device", default="cuda:0", help="torch device (default cuda:0; cpu for tests)")
    p.add_argument("--dtype", default="bf16", choices=get_args(Dtype), help="weights and compute dtype (default bf16)")
    p.add_argument(
        "--steps", type=_positive_int, default=30, help="denoising steps of generate and extend (default 30)"
    )
    p.add_argument(
        "--max-pixels",
        type=_positive_int,
        default=768 * 512,
        help="model-native area budget; the native size of each aspect ratio fits in it (default 393216 = 768x512)",
    )
    p.add_argument("--max-text-tokens", type=_positive_int, default=1024, help="prompt tokens encoded (default 1024)")
    p.add_argument("--offload", default="none", choices=get_args(Offload), help="CPU offload for smaller GPUs")
    p.add_argument("--attention", default="auto", help="attention backend (default auto: the fastest local one)")
    p.add_argument("--compile", action="store_true", help="compile the transformer's repeated blocks and warm up")
    p.add_argument("--operations", type=_operations, help="operations to claim (default: all the family serves)")
    p.add_argument("--work-dir", type=Path, help="where task files go (default: a temporary directory)")
    p.add_argument("--claim-wait-ms", type=_non_negative_int, default=20_000, help="claim long-poll (0-30000)")
    p.add_argument(
        "--progress-interval-ms",
        type=_non_negative_int,
        default=500,
        help="least time between heartbeats sent because progress rose (default 500)",
    )
    p.add_argument(
        "--grace-seconds", type=float, default=10.0, help="after a stop, how long the model may take to let go"
    )
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        format="%(asctime)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    log = logging.getLogger("vidforge_runner")
    token = args.token or os.environ.get("VIDFORGE_RUNNER_TOKEN", "")
    if args.claim_wait_ms > 30_000:
        print("vidforge-runner: --claim-wait-ms must be at most 30000", file=sys.stderr)
        return EXIT_USAGE
    try:
        client = RunnerClient(args.server, token)
    except ValueError as error:
        print(f"vidforge-runner: {error}", file=sys.stderr)
        return EXIT_USAGE
    options = LoadOptions(
        model=args.model,
        device=args.device,
        dtype=args.dtype,
        max_pixels=args.max_pixels,
        steps=args.steps,
        max_text_tokens=args.max_text_tokens,
        offload=args.offload,
        attention=args.attention,
        compile=args.compile,
        upsampler=args.upsampler,
    )
    try:
        family = load_family(args.family, options)
    except (RuntimeError, ValueError) as error:
        log.error("could not start: %s", error)
        return EXIT_USAGE
    operations = args.operations or list(family.operations)
    unsupported = [op for op in operations if op not in family.operations]
    if unsupported:
        print(f"vidforge-runner: family {args.family} does not serve {', '.join(unsupported)}", file=sys.stderr)
        return EXIT_USAGE
    with tempfile.TemporaryDirectory(prefix="vidforge-runner-") as scratch:
        work_root = args.work_dir or Path(scratch)
        work_root.mkdir(parents=True, exist_ok=True)
        loop = LoopOptions(
            family_name=args.family,
            operations=operations,
            work_root=work_root,
            claim_wait_ms=args.claim_wait_ms,
            progress_interval_s=args.progress_interval_ms / 1000,
            grace_s=max(0.0, args.grace_seconds),
        )
        return Runner(client, family, loop).serve()


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
