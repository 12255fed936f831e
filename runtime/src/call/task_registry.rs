//! The tasks extension (2026-07-28, `io.modelcontextprotocol/tasks`, SEP-2663): a call
//! of a task tool answers with a task id at once and runs in the background; the client
//! polls `tasks/get`, answers the task's input requests with `tasks/update`, and may
//! stop it with `tasks/cancel`.
//!
//! rmcp's [`TaskManager`] keeps the tasks (ids, statuses, input requests, results,
//! expiry after their TTL). This adds what a server facing many clients needs besides:
//! a task is visible only to the agent that started it (the same key the rate limits
//! use), and at most so many run at once.

use std::{
    collections::{HashMap, HashSet},
    future::Future,
    pin::Pin,
    sync::{Mutex, RwLock},
    task::Poll,
    time::{Duration, Instant},
};

use rmcp::{
    ErrorData,
    model::{DetailedTask, InputRequests, InputResponses, Task},
    task_manager::{TaskContext, TaskExit, TaskFuture, TaskManager, TaskOptions},
};
use serde_json::json;

/// How long a task is kept by default: it may run this long, and its result is kept
/// this long after it ends (rmcp's default, 5 minutes).
pub(crate) const DEFAULT_TASK_TTL: Duration =
    Duration::from_millis(rmcp::task_manager::DEFAULT_TASK_TTL_MS);

/// How many tasks may run at once by default, over all clients.
pub(crate) const DEFAULT_MAX_RUNNING_TASKS: usize = 1024;

/// How often a client should poll `tasks/get`, in milliseconds.
const POLL_INTERVAL_MS: u64 = 500;

/// The tasks of a server.
pub(crate) struct Tasks {
    pub(crate) manager: TaskManager,
    /// Who started each task, and when: only that agent may see it.
    pub(crate) owners: Mutex<HashMap<String, (String, Instant)>>,
    /// Held for writing while a task asks a round of questions, for reading by
    /// `tasks/get`: rmcp registers input requests one at a time, and a read between two
    /// of them would show the client a round with requests missing.
    pub(crate) asking: RwLock<()>,
    pub(crate) ttl: Duration,
    pub(crate) max_running: usize,
}

impl std::fmt::Debug for Tasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tasks")
            .field("ttl", &self.ttl)
            .field("max_running", &self.max_running)
            .finish_non_exhaustive()
    }
}

/// Why a task was not started: this many already run, the most allowed.
#[derive(Debug)]
pub(crate) struct AtCapacity(pub(crate) usize);

impl Tasks {
    pub(crate) fn new(ttl: Duration, max_running: usize) -> Self {
        Self {
            manager: TaskManager::new(),
            owners: Mutex::new(HashMap::new()),
            asking: RwLock::new(()),
            ttl,
            max_running: max_running.max(1),
        }
    }

    /// Starts `make_future` as a task of `agent`. The task can be read with
    /// [`Tasks::get`] before this returns, as the extension requires.
    pub(crate) fn spawn(
        &self,
        agent: &str,
        make_future: impl FnOnce(TaskContext) -> TaskFuture,
    ) -> Result<Task, AtCapacity> {
        // Held until the task is registered: starts are serialized, so the cap holds,
        // and no read finds the task without its owner.
        let mut owners = self.owners.lock().unwrap_or_else(|e| e.into_inner());
        let running = self.manager.running_task_count();
        if running >= self.max_running {
            return Err(AtCapacity(running));
        }
        let ttl_ms = u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX);
        let options = TaskOptions::new()
            .with_ttl_ms(ttl_ms)
            .with_poll_interval_ms(POLL_INTERVAL_MS);
        // rmcp forgets a task at the latest one TTL after it ended, and a task runs at
        // most one TTL: owners older than that (and a margin) have no task left.
        let horizon = self.ttl.saturating_mul(2) + Duration::from_secs(60);
        owners.retain(|_, (_, since)| since.elapsed() < horizon);
        let task = self.manager.spawn(options, make_future);
        owners.insert(task.task_id.clone(), (agent.to_owned(), Instant::now()));
        Ok(task)
    }

    /// `tasks/get`.
    pub(crate) fn get(&self, agent: &str, task_id: &str) -> Result<DetailedTask, ErrorData> {
        self.owned(agent, task_id)?;
        let _round = self.asking.read().unwrap_or_else(|e| e.into_inner());
        self.manager
            .get_task(task_id)
            .map_err(|_| unknown_task(task_id))
    }

    /// Surfaces a round of a task's input requests, all at once, and waits for the
    /// client's answers to every one of them, keyed as the handler asked. Each request
    /// goes out under a key not used before in the task: the handler's own, or `key.2`,
    /// `key.3`, ... when it asks under a key again. `None` when there is no request;
    /// [`TaskExit::Cancelled`] when the task is cancelled first.
    pub(crate) async fn ask(
        &self,
        task: &TaskContext,
        requests: Option<InputRequests>,
        surfaced: &mut HashSet<String>,
    ) -> Result<Option<InputResponses>, TaskExit> {
        let requests = requests.unwrap_or_default();
        if requests.is_empty() {
            return Ok(None);
        }
        let waits = requests.into_iter().map(|(key, request)| {
            let mut wire = key.clone();
            let mut n = 1;
            while !surfaced.insert(wire.clone()) {
                n += 1;
                wire = format!("{key}.{n}");
            }
            async move {
                let answer = task.request_input(wire, request).await?;
                Ok::<_, TaskExit>((key, answer))
            }
        });
        let mut answers = futures::future::try_join_all(waits);
        // The first poll registers every request (each registers before it first
        // waits); `tasks/get` waits for the whole round. Nothing awaits under the lock.
        let first = std::future::poll_fn(|cx| {
            let _round = self.asking.write().unwrap_or_else(|e| e.into_inner());
            Poll::Ready(Pin::new(&mut answers).poll(cx))
        })
        .await;
        let answers = match first {
            Poll::Ready(answers) => answers?,
            Poll::Pending => answers.await?,
        };
        Ok(Some(answers.into_iter().collect()))
    }

    /// `tasks/update`: answers to the task's input requests. Answers to requests the
    /// task no longer waits for are ignored, as the extension says.
    pub(crate) fn update(
        &self,
        agent: &str,
        task_id: &str,
        responses: InputResponses,
    ) -> Result<(), ErrorData> {
        self.owned(agent, task_id)?;
        self.manager
            .update_task(task_id, responses)
            .map_err(|_| unknown_task(task_id))
    }

    /// `tasks/cancel`: the handler is stopped and the task ends as `cancelled`; a task
    /// that already ended keeps its status.
    pub(crate) fn cancel(&self, agent: &str, task_id: &str) -> Result<(), ErrorData> {
        self.owned(agent, task_id)?;
        self.manager
            .cancel_task(task_id)
            .map_err(|_| unknown_task(task_id))
    }

    fn owned(&self, agent: &str, task_id: &str) -> Result<(), ErrorData> {
        let owners = self.owners.lock().unwrap_or_else(|e| e.into_inner());
        match owners.get(task_id) {
            Some((owner, _)) if owner == agent => Ok(()),
            _ => Err(unknown_task(task_id)),
        }
    }
}

impl Drop for Tasks {
    fn drop(&mut self) {
        self.manager.shutdown();
    }
}

/// -32602 for a task this agent cannot see: it never existed, it expired, or another
/// client (or another instance of the server) started it.
fn unknown_task(task_id: &str) -> ErrorData {
    ErrorData::invalid_params(
        format!(
            "unknown task `{task_id}`: this server keeps no task with this id for this client. \
             Check that the id is the taskId of the tools/call answer, unchanged; a task is \
             kept for its ttlMs after it ends, and only the client (credentials or address) \
             that started it may read it. To get a result, call the tool again."
        ),
        Some(json!({"taskId": task_id})),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::{CallToolResult, TaskStatus};

    fn forever(_: TaskContext) -> TaskFuture {
        Box::pin(std::future::pending())
    }

    #[tokio::test]
    async fn a_task_is_visible_to_the_agent_that_started_it_only() {
        let tasks = Tasks::new(Duration::from_secs(60), 8);
        let task = tasks
            .spawn("agent-a", |_| {
                Box::pin(async { Ok(CallToolResult::success(Vec::new())) })
            })
            .expect("starts");
        let id = task.task_id.as_str();
        assert!(tasks.get("agent-a", id).is_ok());
        for refused in [
            tasks.get("agent-b", id).map(|_| ()),
            tasks.update("agent-b", id, InputResponses::new()),
            tasks.cancel("agent-b", id),
        ] {
            let error = refused.expect_err("another agent is refused");
            assert_eq!(error.code, rmcp::model::ErrorCode::INVALID_PARAMS);
            assert!(
                error.message.contains(&format!("unknown task `{id}`")),
                "{}",
                error.message
            );
        }
        // The refused cancel did not touch the task.
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(
            tasks.get("agent-a", id).expect("readable").status(),
            TaskStatus::Completed
        );
    }

    #[tokio::test]
    async fn no_more_than_the_cap_run_at_once() {
        let tasks = Tasks::new(Duration::from_secs(60), 2);
        tasks.spawn("a", forever).expect("first");
        tasks.spawn("b", forever).expect("second");
        let Err(AtCapacity(running)) = tasks.spawn("c", forever) else {
            panic!("a third task started");
        };
        assert_eq!(running, 2);
    }

    /// rmcp registers a task's input requests one by one; a `tasks/get` on another
    /// thread must still see each round whole (CI once caught `["confirm"]` of
    /// `["confirm", "name"]`). A reader spins on `get` while tasks ask rounds of 8.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_round_of_input_requests_is_seen_whole_or_not_at_all() {
        const KEYS: usize = 8;
        const ROUNDS: usize = 300;
        let tasks = std::sync::Arc::new(Tasks::new(Duration::from_secs(60), 8));
        let round: InputRequests = serde_json::from_value(serde_json::Value::Object(
            (0..KEYS)
                .map(|k| (format!("k{k}"), json!({"method": "roots/list"})))
                .collect(),
        ))
        .expect("input requests");
        let (mut partial, mut whole) = (0, 0);
        for _ in 0..ROUNDS {
            let asker = std::sync::Arc::clone(&tasks);
            let round = round.clone();
            let task = tasks
                .spawn("a", move |task| {
                    Box::pin(async move {
                        let answers = asker.ask(&task, Some(round), &mut HashSet::new()).await?;
                        assert_eq!(answers.map(|a| a.len()), Some(KEYS));
                        Ok(CallToolResult::success(Vec::new()))
                    })
                })
                .expect("starts");
            let id = task.task_id.as_str();
            // Until the whole round is out; a partial one on the way is counted.
            let mut saw_partial = false;
            loop {
                let detailed = tasks.get("a", id).expect("readable");
                if let rmcp::model::TaskPayload::InputRequired { input_requests } = detailed.payload
                {
                    if input_requests.len() == KEYS {
                        break;
                    }
                    saw_partial = true;
                }
                std::hint::spin_loop();
            }
            if saw_partial {
                partial += 1;
            } else {
                whole += 1;
            }
            let answers: InputResponses = serde_json::from_value(serde_json::Value::Object(
                (0..KEYS)
                    .map(|k| (format!("k{k}"), json!({"roots": []})))
                    .collect(),
            ))
            .expect("answers");
            tasks.update("a", id, answers).expect("answered");
            while tasks.get("a", id).expect("readable").status() != TaskStatus::Completed {
                tokio::task::yield_now().await;
            }
        }
        assert_eq!((partial, whole), (0, ROUNDS));
    }
}
