"""Recording mocks and monitor on top of ``pulumi.runtime.set_mocks``: the real runtime, nothing
faked.

Importing this module imports pulumi; only the runner and the fixture do, when a test asks for them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks

from pytest_iaccompliance.pulumi.answers import AwsAnswers
from pytest_iaccompliance.pulumi.mapping import pulumi_tokens

__all__ = [
    "InvokeCall",
    "RecordingMocks",
    "RecordingMonitor",
    "Registration",
    "UnregisteredInvokeError",
]

ResourceAnswer = Callable[[pulumi_mocks.MockResourceArgs], Any] | Mapping[str, Any]
InvokeAnswer = Callable[[dict[str, Any]], Mapping[str, Any]] | Mapping[str, Any]


class UnregisteredInvokeError(LookupError):
    """A program called a provider function no answer was registered for."""

    def __init__(self, token: str, args: Mapping[str, Any]) -> None:
        self.token = token
        arg_names = ", ".join(sorted(args)) or "no arguments"
        super().__init__(
            f"no mock answer for invoke `{token}` (called with {arg_names}). Register one "
            "before running the program, as a mapping of the result's wire (camelCase) names "
            "or a function of the "
            f"invoke's arguments:\n"
            f'    pulumi_mocks.register_invoke({token!r}, {{"id": "..."}})\n'
            f"    pulumi_mocks.register_invoke({token!r}, lambda args: {{...}})"
        )


@dataclass
class InvokeCall:
    token: str
    args: dict[str, Any]


@dataclass
class Registration:
    """What the program asked the engine for, as the engine received it (protobuf kept, decoded
    later).
    """

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    provider: str
    id: str
    inputs: Any
    state: Any
    read: bool = False
    outputs: Any = None


class RecordingMocks(pulumi.runtime.Mocks):
    """AWS-like default answers, answers registered per resource type or invoke token, and a call
    log.
    """

    def __init__(self, *, answers: AwsAnswers | None = None, preview: bool = False) -> None:
        self.answers = answers or AwsAnswers()
        self.preview = preview
        self.resource_answers: dict[str, ResourceAnswer] = {}
        self.invoke_answers: dict[str, InvokeAnswer] = {}
        self.calls: list[InvokeCall] = []
        self.errors: list[Exception] = []
        self._defaults = self.answers.invokes()

    def register_resource(self, type_: str, answer: ResourceAnswer) -> None:
        """Outputs (or a function of ``MockResourceArgs`` giving outputs or ``(id, outputs)``) for a
        type.

        ``type_`` is a Pulumi token or a Terraform type (which stands for all its Pulumi tokens).
        """
        for token in pulumi_tokens(type_) or (type_,):
            self.resource_answers[token] = answer

    def register_invoke(self, token: str, answer: InvokeAnswer) -> None:
        self.invoke_answers[token] = answer

    def new_resource(
        self, args: pulumi_mocks.MockResourceArgs
    ) -> tuple[str | None, dict[Any, Any]]:
        if self.preview:
            # A preview knows only the inputs: the id and computed attributes are unknown.
            resource_id, state = "", dict(args.inputs)
        else:
            resource_id, state = self.answers.resource_state(args.typ, args.name, args.inputs)
        answer = self.resource_answers.get(args.typ)
        if answer is not None:
            given = answer(args) if callable(answer) else answer
            if isinstance(given, tuple):
                resource_id, given = given[0], given[1]
            state.update(given or {})
            if "id" in (given or {}) and not self.preview:
                resource_id = str(given["id"])
        if args.resource_id and not self.preview:
            resource_id = args.resource_id
        return resource_id, state

    def call(
        self, args: pulumi_mocks.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        arguments = dict(args.args)
        self.calls.append(InvokeCall(args.token, arguments))
        answer = self.invoke_answers.get(args.token) or self._defaults.get(args.token)
        if answer is None:
            error = UnregisteredInvokeError(args.token, arguments)
            self.errors.append(error)
            raise error
        result = answer(arguments) if callable(answer) else answer
        return dict(result), []


@contextlib.contextmanager
def _closing_worker_loop() -> Iterator[None]:
    """Pulumi's mock monitor gives each of its worker threads an event loop (``_ensure_event_loop``) and never
    closes it. Left to the garbage collector, such a loop is finalized at any later moment, and inside an
    unrelated ``compile`` CPython then raises ``SystemError: AST constructor recursion depth mismatch``. A loop
    made during the call is closed, and unset, when the call returns."""
    if asyncio._get_running_loop() is not None:
        yield
        return
    local = getattr(asyncio.get_event_loop_policy(), "_local", None)
    before = getattr(local, "_loop", None)
    try:
        yield
    finally:
        after = getattr(local, "_loop", None)
        if before is None and isinstance(after, asyncio.AbstractEventLoop) and not after.is_running():
            asyncio.set_event_loop(None)
            after.close()


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, keeping every registration in order with its raw inputs and parent."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        self.outputs_by_urn: dict[str, Any] = {}

    def RegisterResource(self, request: Any) -> Any:
        with _closing_worker_loop():
            return self._register(request)

    def ReadResource(self, request: Any) -> Any:
        with _closing_worker_loop():
            return self._read(request)

    def Invoke(self, request: Any) -> Any:
        with _closing_worker_loop():
            return super().Invoke(request)  # type: ignore[no-untyped-call]

    def _register(self, request: Any) -> Any:
        if request.type != "pulumi:pulumi:Stack" and (request.transforms or self._stack_transforms):
            request = self._transformed(request)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            self.registrations.append(
                Registration(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    custom=bool(request.custom),
                    parent=request.parent,
                    provider=request.provider,
                    id=response.id,
                    inputs=request.object,
                    state=response.object,
                )
            )
        return response

    def _transformed(self, request: Any) -> Any:
        """The request after its resource transforms and the stack's, run as the engine runs them.

        Pulumi's mock monitor records transforms without running them; the engine calls each through the
        program's callback server before registering the resource, and so does this monitor, with the
        same request, so a transform sees what it would see in ``pulumi preview``.
        """
        from pulumi.runtime._callbacks import _CallbackServicer
        from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

        callbacks: dict[str, Any] = {}
        for servicer in _CallbackServicer._servicers:
            for token, function in servicer._callbacks.items():
                callbacks.setdefault(token, function)
        tokens: list[str] = [callback.token for callback in request.transforms]
        for transform in self._stack_transforms:
            for servicer in _CallbackServicer._servicers:
                found = servicer._transforms.get(transform)
                if found is not None:
                    tokens.append(found)
                    break
        callables = [c for c in (callbacks.get(token) for token in tokens) if c is not None]
        if not callables:
            return request  # most registrations: nothing to run, and no event loop to make
        if asyncio._get_running_loop() is not None:  # on the program's own loop: Pulumi's helper copes
            _ensure_event_loop()  # type: ignore[no-untyped-call]
            run: Callable[[Any], Any] = _sync_await
            return self._apply_transforms(request, callables, run)
        # On one of Pulumi's worker threads: a loop of our own, closed after, never one left to the collector
        # (a loop collected later can fail inside an unrelated compile, CPython raising SystemError there).
        previous = getattr(getattr(asyncio.get_event_loop_policy(), "_local", None), "_loop", None)
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            return self._apply_transforms(request, callables, loop.run_until_complete)
        finally:
            asyncio.set_event_loop(previous if isinstance(previous, asyncio.AbstractEventLoop) else None)
            loop.close()

    @staticmethod
    def _apply_transforms(request: Any, callables: list[Any], run: Callable[[Any], Any]) -> Any:
        from pulumi.runtime.proto import resource_pb2

        for callback in callables:
            transform_request = resource_pb2.TransformRequest(
                type=request.type, name=request.name, custom=request.custom, parent=request.parent,
                properties=request.object,
            )
            reply = run(callback(transform_request.SerializeToString()))
            if reply.HasField("properties"):
                changed = type(request)()
                changed.CopyFrom(request)
                changed.object.CopyFrom(reply.properties)
                request = changed
        return request

    def _read(self, request: Any) -> Any:
        response = super().ReadResource(request)  # type: ignore[no-untyped-call]
        self.registrations.append(
            Registration(
                urn=response.urn,
                type=request.type,
                name=request.name,
                custom=True,
                parent=request.parent,
                provider=request.provider,
                id=request.id,
                inputs=request.properties,
                state=response.properties,
                read=True,
            )
        )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self.outputs_by_urn[request.urn] = request.outputs
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]
