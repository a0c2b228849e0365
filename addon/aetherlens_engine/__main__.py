"""Command line: `python -m aetherlens_engine --version | serve`."""

from __future__ import annotations

import argparse
import asyncio
import uuid

from aiohttp import web

from . import __version__
from .api import EngineState, create_app


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aetherlens_engine", description=__doc__)
    parser.add_argument("--version", action="version", version=f"aetherlens-engine {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the engine's HTTP API")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8787, help="port to listen on")
    return parser


async def _serve(host: str, port: int) -> None:
    runner = web.AppRunner(create_app(EngineState(__version__, uuid.uuid4().hex)))
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    """Run the command line."""
    args = _parser().parse_args(argv)
    if args.command == "serve":
        asyncio.run(_serve(args.host, args.port))


if __name__ == "__main__":
    main()
