"""Alerts → investigations: intake (dedup, record), a bounded queue, its own workers, then the notification.

Intake decides per alert: resolved → recorded and its dedup window closed; another cluster's →
recorded; a firing alert whose window is open → a duplicate of that investigation; else a new
investigation, queued. The queue holds `alert_queue_size` jobs and `alert_max_concurrent` workers run
them — apart from /ask's concurrency cap, so an alert storm waits in its own line and people asking are
never refused because of it. A full queue gives the alert's window back and the webhook answers 503:
Alertmanager retries, and the retry investigates only what was not taken.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from app.alerts import Alert, AlertmanagerPayload, question_for
from app.alerts_runner import Runtime, run_recorded
from app.alerts_store import Action, AlertStore, Received
from app.investigate import AskRequest
from app.lifecycle import SHUTDOWN_CODE
from app.notify import Notifier, report_of
from app.observability import new_investigation_id
from app.redact import redact_data
from app.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlertJob:
    investigation_id: str
    alert: Alert
    question: str
    namespace: str | None


class AlertService:
    def __init__(self, runtime: Runtime, settings: Settings, store: AlertStore, notifier: Notifier | None) -> None:
        self.runtime = runtime
        self.settings = settings
        self.store = store
        self.notifier = notifier
        self.queue: asyncio.Queue[AlertJob] = asyncio.Queue(maxsize=settings.alert_queue_size)
        self.running = 0
        self.finished = 0
        self._workers: list[asyncio.Task[None]] = []

    @classmethod
    def create(cls, runtime: Runtime, settings: Settings) -> AlertService:
        store = AlertStore(settings.data_dir / "alerts.db", settings.alert_dedup_window_s)
        notifier = None
        if settings.notify_webhook_url is not None:
            notifier = Notifier(settings.notify_webhook_url.get_secret_value(), settings.notify_webhook_format,
                                settings.notify_webhook_headers)
        return cls(runtime, settings, store, notifier)

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        self.store.open()
        self._workers = [asyncio.get_running_loop().create_task(self._work(), name=f"alert-worker-{i}")
                         for i in range(self.settings.alert_max_concurrent)]

    async def stop(self, timeout_s: float) -> None:
        """Stop the workers (running investigations were ended by the lifecycle); queued alerts give their
        windows back, so Alertmanager's next delivery investigates them."""
        for task in self._workers:
            task.cancel()
        if self._workers:
            await asyncio.wait(self._workers, timeout=max(timeout_s, 0.1))
        while not self.queue.empty():
            job = self.queue.get_nowait()
            await asyncio.to_thread(self.store.release, job.alert.key, job.investigation_id)
            log.warning("alert not investigated: the service stopped first",
                        extra={"alert": job.alert.name, "fingerprint": job.alert.key})
        await asyncio.to_thread(self.store.close)

    # -- intake ------------------------------------------------------------------------------------
    async def receive(self, payload: AlertmanagerPayload) -> list[Received]:
        """Decide what to do with each alert of the payload; record them all. (The store's calls run in a
        worker thread: the event loop never waits on SQLite.)"""
        now = time.time()
        out: list[Received] = []
        label = self.settings.alert_cluster_label
        for alert in payload.alerts:
            fingerprint, cluster = alert.key, alert.cluster(label)
            inv_id: str | None = None
            action: Action
            if alert.status == "resolved":
                action = "resolved"
                inv_id = await asyncio.to_thread(self.store.resolve, fingerprint)
            elif self.settings.cluster_name and cluster and cluster != self.settings.cluster_name:
                action = "other_cluster"
            else:
                new_id = new_investigation_id()
                open_window = await asyncio.to_thread(self.store.claim, fingerprint, new_id, now)
                if open_window is not None:
                    action, inv_id = "duplicate", open_window
                elif self._offer(AlertJob(new_id, alert, question_for(alert, self.settings), alert.namespace)):
                    action, inv_id = "investigating", new_id
                else:
                    await asyncio.to_thread(self.store.release, fingerprint, new_id)
                    action = "queue_full"
            out.append(Received(fingerprint, alert.name, alert.status, alert.namespace, cluster, action, inv_id,
                                redact_data(alert.summary()), now))
            log.info("alert received", extra={"alert": alert.name, "fingerprint": fingerprint, "action": action,
                                              "investigation": inv_id})
        await asyncio.to_thread(self.store.record, out)
        return out

    def _offer(self, job: AlertJob) -> bool:
        if self.runtime.lifecycle.stopping:
            return False
        try:
            self.queue.put_nowait(job)
        except asyncio.QueueFull:
            return False
        return True

    # -- workers -----------------------------------------------------------------------------------
    async def _work(self) -> None:
        while True:
            job = await self.queue.get()
            self.running += 1
            try:
                await self._investigate(job)
            except Exception as exc:  # one bad alert must not stop the worker
                log.error("alert investigation failed", exc_info=exc, extra={"investigation": job.investigation_id})
            finally:
                self.running -= 1
                self.finished += 1
                self.queue.task_done()

    async def _investigate(self, job: AlertJob) -> None:
        settings = self.settings
        request = AskRequest(question=job.question, max_steps=settings.max_steps, namespace=job.namespace,
                             mode=settings.alert_mode)
        alert = redact_data(job.alert.summary())
        outcome = await run_recorded(self.runtime, job.investigation_id, request,
                                     {"kind": "alert", "client": "alertmanager", "alert": alert})
        if self.notifier is None or any(e.get("code") == SHUTDOWN_CODE for e in outcome.errors):
            return
        await self.notifier.send(report_of(outcome, alert, settings.public_url))

    def status(self) -> dict[str, Any]:
        return {"waiting": self.queue.qsize(), "running": self.running, "finished": self.finished,
                "capacity": self.settings.alert_queue_size, "max_concurrent": self.settings.alert_max_concurrent,
                "notifications": None if self.notifier is None else
                {"format": self.notifier.fmt, "sent": self.notifier.sent, "failed": self.notifier.failed}}

