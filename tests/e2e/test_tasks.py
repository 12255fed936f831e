"""The tasks extension (2026-07-28, `io.modelcontextprotocol/tasks`, SEP-2663), driven by
the official Python SDK client over stdio and over Streamable HTTP, against the task
tools of the conformance fixture server (specs/conformance.yaml, crate tests/conformance).

The SDK has no task API of its own; it lets a client declare an extension, claim the
extension's `resultType: "task"` answer to `tools/call`, and send the extension's
requests. That is what a client of the extension does, so these tests do the same:
the server sees an ordinary SDK client on either transport."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, ClassVar, Literal

import anyio
import pytest
from mcp import types
from mcp.client.extension import ResultClaim
from mcp.client.session import ClientSession
from mcp.shared.exceptions import MCPError
from mcp_types import Result
from mcp_types._types import MCPModel
from pydantic import TypeAdapter

from mcp_servers import TARGET, ROOT, cargo_build, http_server

pytestmark = pytest.mark.timeout(600)

TASKS = "io.modelcontextprotocol/tasks"
ANY = TypeAdapter(dict[str, Any])


class TaskCreated(Result):
    """The `CreateTaskResult` a task tool answers with."""

    result_type: Literal["task"]
    task_id: str
    status: str
    created_at: str
    last_updated_at: str
    ttl_ms: int | None
    poll_interval_ms: int | None = None


class TaskRef(MCPModel):
    task_id: str


class TaskAnswers(MCPModel):
    task_id: str
    input_responses: dict[str, Any]


class GetTask(types.Request[TaskRef, Literal["tasks/get"]]):
    method: Literal["tasks/get"] = "tasks/get"
    name_param: ClassVar[str | None] = "taskId"


class UpdateTask(types.Request[TaskAnswers, Literal["tasks/update"]]):
    method: Literal["tasks/update"] = "tasks/update"
    name_param: ClassVar[str | None] = "taskId"


class CancelTask(types.Request[TaskRef, Literal["tasks/cancel"]]):
    method: Literal["tasks/cancel"] = "tasks/cancel"
    name_param: ClassVar[str | None] = "taskId"


async def unused(created: TaskCreated, ctx: Any) -> types.CallToolResult:
    raise AssertionError("the session returns claimed results; nothing resolves them")


def session_options(declare_tasks: bool) -> dict[str, Any]:
    if not declare_tasks:
        return {}
    return {
        "extensions": {TASKS: {}},
        "result_claims": {TASKS: [ResultClaim(result_type="task", model=TaskCreated, resolve=unused)]},
    }


async def get(session: ClientSession, task_id: str) -> dict[str, Any]:
    return await session.send_request(GetTask(params=TaskRef(task_id=task_id)), ANY)


async def until(session: ClientSession, task_id: str, statuses: set[str], timeout_s: float = 20) -> dict[str, Any]:
    """Polls tasks/get until the task's status is one of `statuses`."""
    deadline = time.monotonic() + timeout_s
    while True:
        task = await get(session, task_id)
        if task["status"] in statuses:
            return task
        assert time.monotonic() < deadline, f"task {task_id} still {task['status']} after {timeout_s} s"
        await anyio.sleep(0.05)


async def start_task(session: ClientSession, name: str, arguments: dict[str, Any]) -> TaskCreated:
    created = await session.call_tool(name, arguments, allow_claimed=True)
    assert isinstance(created, TaskCreated), created
    return created


async def with_tasks(session: ClientSession) -> None:
    """A client that declared the extension: calls of task tools become tasks."""
    await session.discover()
    assert session.protocol_version == "2026-07-28"

    # Sync-only tools stay sync.
    greeting = await session.call_tool("greet", {"name": "Ada"})
    assert [c.text for c in greeting.content] == ["Hello, Ada!"]

    # A task: created at once, readable at once, completed with the handler's result.
    created = await start_task(session, "slow_compute", {"seconds": 1, "label": "first"})
    assert (created.status, created.ttl_ms, created.poll_interval_ms) == ("working", 300_000, 500)
    assert (await get(session, created.task_id))["status"] == "working"
    done = await until(session, created.task_id, {"completed", "failed", "cancelled"})
    assert done["status"] == "completed", done
    assert done["result"]["content"] == [{"type": "text", "text": "Computed for 1s: first"}]
    assert done["resultType"] == "complete" and "requestState" not in done

    # Invalid arguments are refused before any task exists, as a tool error.
    refused = await session.call_tool("slow_compute", {"seconds": 1000})
    assert refused.is_error is True
    assert "/seconds" in refused.content[0].text and "100" in refused.content[0].text

    # A declared error completes the task with isError; a crash fails it.
    failing = await start_task(session, "failing_job", {})
    failed_job = await until(session, failing.task_id, {"completed", "failed", "cancelled"})
    assert failed_job["status"] == "completed" and failed_job["result"]["isError"] is True
    assert "failed on purpose" in failed_job["result"]["content"][0]["text"]
    crashing = await start_task(session, "protocol_error_job", {})
    crashed = await until(session, crashing.task_id, {"completed", "failed", "cancelled"})
    assert crashed["status"] == "failed" and "result" not in crashed, crashed
    assert crashed["error"]["code"] == -32603
    assert "unexpected error in tool `protocol_error_job`" in crashed["error"]["message"]

    # Input inside a task: input_required until every request is answered.
    confirm = await start_task(session, "confirm_delete", {"filename": "notes.txt"})
    parked = await until(session, confirm.task_id, {"input_required"})
    assert list(parked["inputRequests"]) == ["confirm"]
    assert parked["inputRequests"]["confirm"]["method"] == "elicitation/create"
    ack = await session.send_request(
        UpdateTask(params=TaskAnswers(
            task_id=confirm.task_id,
            input_responses={"confirm": {"action": "accept", "content": {"confirm": True}}},
        )),
        ANY,
    )  # fmt: skip
    assert ack == {"resultType": "complete"}
    deleted = await until(session, confirm.task_id, {"completed", "failed", "cancelled"})
    assert deleted["result"]["content"][0]["text"] == "Deleted notes.txt"

    both = await start_task(session, "multi_input", {})
    parked = await until(session, both.task_id, {"input_required"})
    assert sorted(parked["inputRequests"]) == ["confirm", "name"]
    await session.send_request(
        UpdateTask(params=TaskAnswers(
            task_id=both.task_id, input_responses={"name": {"action": "accept", "content": {"name": "Ada"}}}
        )),
        ANY,
    )  # fmt: skip
    half = await get(session, both.task_id)
    assert (half["status"], list(half["inputRequests"])) == ("input_required", ["confirm"])
    await session.send_request(
        UpdateTask(params=TaskAnswers(
            task_id=both.task_id, input_responses={"confirm": {"action": "accept", "content": {"confirm": True}}}
        )),
        ANY,
    )  # fmt: skip
    combined = await until(session, both.task_id, {"completed", "failed", "cancelled"})
    assert combined["result"]["content"][0]["text"] == "name=Ada, confirm=true"

    # Cancellation stops the handler; the task ends as cancelled, and a second cancel is
    # the same empty acknowledgement.
    slow = await start_task(session, "slow_compute", {"seconds": 60})
    for _ in range(2):
        ack = await session.send_request(CancelTask(params=TaskRef(task_id=slow.task_id)), ANY)
        assert ack == {"resultType": "complete"}
    cancelled = await until(session, slow.task_id, {"completed", "failed", "cancelled"}, timeout_s=5)
    assert cancelled["status"] == "cancelled"

    # Input in rounds first, then a task (task_start: by_handler).
    first = await session.call_tool("test_tool_with_task", {}, allow_input_required=True)
    assert isinstance(first, types.InputRequiredResult)
    [key] = first.input_requests
    second = await session.call_tool(
        "test_tool_with_task", {},
        input_responses={key: {"action": "accept", "content": {"name": "Alice"}}},
        request_state=first.request_state, allow_claimed=True,
    )  # fmt: skip
    assert isinstance(second, TaskCreated), second
    greeted = await until(session, second.task_id, {"completed", "failed", "cancelled"})
    assert greeted["result"]["content"][0]["text"] == f"Hello, Alice! (from task {second.task_id})"

    # An id the server never issued.
    with pytest.raises(MCPError) as unknown:
        await get(session, "no-such-task")
    assert unknown.value.error.code == -32602
    assert "unknown task `no-such-task`" in unknown.value.error.message


async def without_tasks(session: ClientSession) -> None:
    """A client that did not declare the extension: optional task tools run at once,
    required ones are refused with -32021 naming the extension, tasks/* likewise."""
    await session.discover()
    computed = await session.call_tool("slow_compute", {"seconds": 0, "label": "sync"})
    assert [c.text for c in computed.content] == ["Computed for 0s: sync"]
    with pytest.raises(MCPError) as refused:
        await session.call_tool("failing_job", {})
    assert refused.value.error.code == -32021
    assert "runs only as a task" in refused.value.error.message
    assert refused.value.error.data == {"requiredCapabilities": {"extensions": {TASKS: {}}}}
    with pytest.raises(MCPError) as gated:
        await get(session, "any")
    assert gated.value.error.code == -32021


SERVER = [str(TARGET / "debug" / "conformance-server"), "serve"]


@pytest.fixture(scope="module")
def built() -> None:
    cargo_build(ROOT / "tests" / "conformance")


def run_stdio(steps: list, declare_tasks: bool, log_path: Path) -> None:
    from mcp.client.stdio import StdioServerParameters, stdio_client

    async def main() -> None:
        params = StdioServerParameters(command=SERVER[0], args=[*SERVER[1:], "--stdio"])
        with log_path.open("w") as errlog:
            async with stdio_client(params, errlog=errlog) as (read, write):
                async with ClientSession(read, write, **session_options(declare_tasks)) as session:
                    for step in steps:
                        await step(session)

    anyio.run(main)


def run_http(url: str, steps: list, declare_tasks: bool) -> None:
    from mcp.client.streamable_http import streamable_http_client

    async def main() -> None:
        async with streamable_http_client(url) as (read, write):
            async with ClientSession(read, write, **session_options(declare_tasks)) as session:
                for step in steps:
                    await step(session)

    anyio.run(main)


@pytest.mark.parametrize("declare_tasks", [True, False])
def test_tasks_over_stdio(built: None, declare_tasks: bool, tmp_path: Path) -> None:
    run_stdio([with_tasks if declare_tasks else without_tasks], declare_tasks, tmp_path / "server.log")


@pytest.mark.parametrize("declare_tasks", [True, False])
def test_tasks_over_http(built: None, declare_tasks: bool, tmp_path: Path) -> None:
    with http_server([*SERVER, "--http"], tmp_path / "server.log") as (host, port):
        run_http(f"http://{host}:{port}/mcp", [with_tasks if declare_tasks else without_tasks], declare_tasks)
