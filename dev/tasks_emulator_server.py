"""gcloud-tasks-emulator bound to 127.0.0.1, run by .venv-tasks' interpreter (dev/tasks_emulator.py
starts it: `.venv-tasks/bin/python -m dev.tasks_emulator_server --port P --queue NAME ...`).

The emulator's own `start` takes no host and serves its gRPC API on every interface (`[::]`),
and it POSTs every task it holds to the task's URL: anyone on the network could make this
machine send requests. This runs the same server (version pinned in requirements-tasks.txt),
with the API on 127.0.0.1 only.

Guarantees:
- The Cloud Tasks API listens on 127.0.0.1:PORT and nowhere else.
- Each --queue (a full name, projects/P/locations/L/queues/Q) exists from the start, RUNNING as
  the emulator makes it: a client that wants tasks held rather than sent pauses it (PauseQueue).
- Tasks are kept in memory only; the process ends on SIGTERM.
- It imports only the standard library, grpc and the emulator: it runs in .venv-tasks, whose
  pins (protobuf < 5) clash with .venv's.
"""
from __future__ import annotations

import argparse
import logging
from concurrent import futures

HOST = "127.0.0.1"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dev.tasks_emulator_server",
                                     description="gcloud-tasks-emulator on 127.0.0.1 only.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--queue", action="append", default=[],
                        help="a queue to create: projects/P/locations/L/queues/Q")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    import grpc
    from gcloud_tasks_emulator import server as emulator
    from gcloud_tasks_emulator.cloudtasks_pb2_grpc import add_CloudTasksServicer_to_server

    class LoopbackApi(emulator.APIThread):
        """The emulator's APIThread.run, listening on HOST instead of [::]."""

        def run(self) -> None:
            self._httpd = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
            add_CloudTasksServicer_to_server(emulator.Greeter(self._state), self._httpd)
            self._httpd.add_insecure_port(f"{HOST}:{self._port}")
            self._httpd.start()

    server = emulator.create_server(HOST, args.port, default_queue_names=args.queue)
    server._api = LoopbackApi(server._state, HOST, args.port)  # replaces the [::] one unstarted
    server.run()


if __name__ == "__main__":
    main()
