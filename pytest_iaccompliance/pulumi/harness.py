"""The object the ``pulumi_mocks`` fixture hands a test: register answers, run programs, get
resources.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_iaccompliance.pulumi.answers import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, AwsAnswers

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pytest_iaccompliance.pulumi.recording import InvokeAnswer, RecordingMocks, ResourceAnswer
    from pytest_iaccompliance.pulumi.runner import Program, PulumiResources

__all__ = ["PulumiMocks"]


class PulumiMocks:
    """Recording mocks for one test: answers registered here apply to every program this test runs.
    """

    def __init__(
        self,
        *,
        account_id: str = DEFAULT_ACCOUNT_ID,
        region: str | None = None,
        project: str | None = None,
        stack: str = "test",
        config: Mapping[str, Any] | None = None,
        secrets: Mapping[str, Any] | None = None,
    ) -> None:
        self.account_id = account_id
        self.region = region
        self.project = project
        self.stack = stack
        self.config: dict[str, Any] = dict(config or {})
        self.secrets: dict[str, Any] = dict(secrets or {})
        self._resource_answers: dict[str, ResourceAnswer] = {}
        self._invoke_answers: dict[str, InvokeAnswer] = {}
        self.last: PulumiResources | None = None

    def register_resource(self, type_: str, answer: ResourceAnswer) -> None:
        """Outputs for every resource of a Pulumi token or Terraform type: a mapping of wire (camelCase)
        names such as ``{"dnsName": "web.example.com"}``, or a function of
        ``pulumi.runtime.MockResourceArgs`` returning outputs or ``(id, outputs)``. They are added to the
        default answers, so only the attributes a program reads need registering."""
        self._resource_answers[type_] = answer

    def register_invoke(self, token: str, answer: InvokeAnswer) -> None:
        """The result of an invoke token (a mapping of wire names, or a function of its arguments).
        """
        self._invoke_answers[token] = answer

    def mocks(self, *, preview: bool = False) -> RecordingMocks:
        """Fresh ``pulumi.runtime.Mocks`` carrying this test's answers (for a hand-written
        ``set_mocks``).
        """
        from pytest_iaccompliance.pulumi.recording import RecordingMocks

        mocks = RecordingMocks(
            answers=AwsAnswers(self.account_id, self.region or DEFAULT_REGION), preview=preview
        )
        for type_, answer in self._resource_answers.items():
            mocks.register_resource(type_, answer)
        for token, invoke in self._invoke_answers.items():
            mocks.register_invoke(token, invoke)
        return mocks

    def run(
        self,
        program: Program,
        *,
        config: Mapping[str, Any] | None = None,
        secrets: Mapping[str, Any] | None = None,
        preview: bool = False,
        stack: str | None = None,
        project: str | None = None,
    ) -> PulumiResources:
        """Run a function, module, ``.py`` file or project folder; every resource, inputs resolved."""
        __tracebackhide__ = True
        from pytest_iaccompliance.pulumi.runner import run_program

        region = {"aws:region": self.region} if self.region else {}
        merged_config = {**region, **self.config, **(config or {})}
        self.last = run_program(
            program,
            mocks=self.mocks(preview=preview),
            config=merged_config,
            secrets={**self.secrets, **(secrets or {})},
            project=project or self.project,
            stack=stack or self.stack,
            preview=preview,
        )
        return self.last

    def preview(self, program: Program, **kwargs: Any) -> PulumiResources:
        """``run`` as a preview: ids and computed attributes are ``UNKNOWN``."""
        __tracebackhide__ = True
        return self.run(program, preview=True, **kwargs)
