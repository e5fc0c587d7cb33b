"""fanout's launcher for moto's server, the AWS side of the Docker-less emulator.

Imports moto, insists on the one version whose defects it knows (5.2.1), applies
three runtime patches, turns on Step Functions execution, adds one private
route the gateway uses to read a Lambda function's code, then runs
``moto.server.main``.

Usage::

    MOTO_PORT=<gateway port> python3 moto_launcher.py --port <private port> [--host 127.0.0.1]

``MOTO_PORT`` is the port moto's Step Functions interpreter calls Lambda on
(moto/stepfunctions/parser/asl/utils/boto_client.py): it must be the gateway's
port, which runs Lambda invocations itself. The private port moto binds comes
from ``--port`` or ``FANOUT_MOTO_PRIVATE_PORT``.

Exit codes: 3 = moto is not installed, 4 = another moto version, 5 = a patch
target is missing, 2 = bad arguments.
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import sys
import uuid
from typing import Any

REQUIRED_MOTO_VERSION = "5.2.1"
INSTALL_HINT = f'pip install "moto[server]=={REQUIRED_MOTO_VERSION}"'
CODE_ROUTE = "/_fanout/lambda-code"


def fail(code: int, message: str) -> None:
    print(f"fanout moto launcher: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def import_moto() -> Any:
    try:
        import moto  # noqa: PLC0415
    except ImportError as error:
        fail(3, f"moto is not installed ({error}). Install it with: {INSTALL_HINT}")
    version = getattr(moto, "__version__", "unknown")
    if version != REQUIRED_MOTO_VERSION:
        fail(
            4,
            f"moto {version} is installed, but fanout's emulator needs exactly moto "
            f"{REQUIRED_MOTO_VERSION} (its runtime patches target that version). "
            f"Install it with: {INSTALL_HINT}",
        )
    try:
        import flask  # noqa: F401, PLC0415
    except ImportError:
        fail(3, f"moto is installed without its server extras. Install them with: {INSTALL_HINT}")
    return moto


def patch_cloudformation_state_machines() -> None:
    """Patch 1: CloudFormation creates state machines in the executing backend.

    ``StateMachine.create_from_cloudformation_json`` (and delete/update) look up
    the module global ``stepfunctions_backends``; with execution on, the API
    reads ``stepfunctions_parser_backends``, so a stack's machine was invisible.
    """
    import moto.stepfunctions.models as sfn_models  # noqa: PLC0415
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends  # noqa: PLC0415

    if not hasattr(sfn_models, "stepfunctions_backends"):
        fail(5, "moto.stepfunctions.models.stepfunctions_backends not found")
    sfn_models.stepfunctions_backends = stepfunctions_parser_backends


def patch_nameless_start_execution() -> None:
    """Patch 2: StartExecution without ``name`` gets a fresh UUID, as on AWS.

    moto 5.2.1's parser backend uses the literal name ``None``, so the second
    nameless start of a machine fails with ExecutionAlreadyExists.
    """
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend  # noqa: PLC0415

    original = StepFunctionsParserBackend.start_execution
    if getattr(original, "_fanout_patched", False):
        return

    def start_execution(
        self: Any,
        state_machine_arn: str,
        name: Any = None,
        execution_input: Any = None,
        trace_header: Any = None,
    ) -> Any:
        if not name:
            name = str(uuid.uuid4())
        return original(self, state_machine_arn, name, execution_input, trace_header)

    start_execution._fanout_patched = True  # type: ignore[attr-defined]
    StepFunctionsParserBackend.start_execution = start_execution  # type: ignore[method-assign]


def deepcopy_state_machine(state_machine: Any, memo: dict[int, Any] | None = None) -> Any:
    """Deep-copies a state machine without its backend and its live executions.

    Pre-fills the deepcopy memo: the backend maps to itself (shared, not copied)
    and every ``executions`` list (the machine's and its versions') maps to a new
    empty list, so the copy never reaches the execution threads and their RLocks.
    """
    memo = {} if memo is None else memo
    backend = getattr(state_machine, "backend", None)
    if backend is not None:
        memo[id(backend)] = backend
    holders = [state_machine, *getattr(state_machine, "versions", {}).values()]
    for holder in holders:
        executions = getattr(holder, "executions", None)
        if isinstance(executions, list):
            memo[id(executions)] = []
    return copy.deepcopy(state_machine, memo)


class _CopyShim:
    """Stands in for the ``copy`` module inside moto.stepfunctions.parser.models."""

    deepcopy = staticmethod(deepcopy_state_machine)
    copy = staticmethod(copy.copy)


def patch_deepcopy_rlock() -> None:
    """Patch 3: the second StartExecution no longer fails with "cannot pickle '_thread.RLock'".

    moto issue 10077: ``start_execution`` deep-copies the state machine, and the
    copy walks into the backend and into running executions (threads, locks).
    """
    import moto.stepfunctions.parser.models as parser_models  # noqa: PLC0415

    if getattr(parser_models, "copy", None) is not copy and not isinstance(
        getattr(parser_models, "copy", None), _CopyShim
    ):
        fail(5, "moto.stepfunctions.parser.models no longer uses the copy module")
    parser_models.copy = _CopyShim()  # type: ignore[assignment]


def enable_state_machine_execution() -> None:
    from moto.core.config import default_user_config  # noqa: PLC0415

    default_user_config["stepfunctions"] = {"execute_state_machine": True}


def lambda_code_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """``GET /_fanout/lambda-code?arn=<function ARN>``: the function's deployment zip.

    moto keeps the code of every function in memory (ZipFile or S3 alike) but
    only hands out a fake ``Code.Location``; the gateway reads it here instead.
    """
    from urllib.parse import parse_qs  # noqa: PLC0415

    from moto.awslambda.models import lambda_backends  # noqa: PLC0415

    query = parse_qs(environ.get("QUERY_STRING", ""))
    arn = (query.get("arn") or [""])[0]
    parts = arn.split(":")
    # arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
    if len(parts) < 7 or parts[2] != "lambda" or parts[5] != "function":
        start_response("400 Bad Request", [("Content-Type", "text/plain")])
        return [b"expected ?arn=arn:aws:lambda:<region>:<account>:function:<name>"]
    region, account, name = parts[3], parts[4], parts[6]
    qualifier = parts[7] if len(parts) > 7 else None
    try:
        fn = lambda_backends[account][region].get_function(name, qualifier)
        code = getattr(fn, "code_bytes", b"") or b""
        sha = getattr(fn, "code_sha_256", "") or ""
    except Exception as error:  # noqa: BLE001 - any lookup failure is a 404 for the gateway
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [f"no code for {arn}: {error}".encode()]
    if not code:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [f"no code stored for {arn}".encode()]
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/zip"),
            ("Content-Length", str(len(code))),
            ("X-Fanout-Code-Sha256", sha),
        ],
    )
    return [code]


def add_code_route() -> None:
    """Serve :data:`CODE_ROUTE` next to moto's own routes."""
    import moto.server as moto_server  # noqa: PLC0415

    base = moto_server.DomainDispatcherApplication

    class FanoutDispatcher(base):  # type: ignore[misc, valid-type]
        def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
            if environ.get("PATH_INFO", "") == CODE_ROUTE:
                return lambda_code_app(environ, start_response)
            return super().__call__(environ, start_response)

    moto_server.DomainDispatcherApplication = FanoutDispatcher


def apply_patches() -> None:
    """Everything but the server: usable in-process by tests."""
    patch_cloudformation_state_machines()
    patch_nameless_start_execution()
    patch_deepcopy_rlock()
    enable_state_machine_execution()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="moto server, patched for fanout")
    parser.add_argument("--host", default=os.environ.get("FANOUT_MOTO_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=os.environ.get("FANOUT_MOTO_PRIVATE_PORT"))
    args = parser.parse_args(argv)
    if not args.port:
        fail(2, "give moto's private port with --port or FANOUT_MOTO_PRIVATE_PORT")
    if not os.environ.get("MOTO_PORT"):
        fail(2, "set MOTO_PORT to the gateway's port (Step Functions calls Lambda there)")

    moto = import_moto()
    if not os.environ.get("FANOUT_MOTO_VERBOSE"):
        # werkzeug logs one line per request; the gateway's traffic would flood moto.log.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    apply_patches()
    add_code_route()
    print(
        f"fanout moto launcher: moto {moto.__version__} on {args.host}:{args.port}, "
        f"Lambda via MOTO_PORT={os.environ['MOTO_PORT']}",
        file=sys.stderr,
        flush=True,
    )
    import moto.server  # noqa: PLC0415

    moto.server.main(["--host", args.host, "--port", str(args.port)])


if __name__ == "__main__":
    main(sys.argv[1:])
