"""`make deploy` / `make deploy-plan`: stage the upload folder and deploy it with the Google Cloud CLI.

What a deploy consists of, in order (`--plan` prints exactly these commands, one per line,
shell-quoted, and runs none of them):
1. The APIs it needs, a check that the Stripe secrets exist in Secret Manager (their values never
   pass through here), two service accounts (runtime: what the functions run as; invoker: what
   Cloud Scheduler, Cloud Tasks and Eventarc call private functions as) and their roles.
2. Every Cloud Tasks queue shared/integrations/tasks.py enqueues to.
3. firestore.rules and firestore.indexes.json (Firebase CLI: gcloud has no rules command).
4. One `gcloud functions deploy` per function of functions/manifest.py, from one staged folder:
   http functions public, job and task functions private, event functions on their Firestore
   document pattern; memory and minimum instances from the manifest; Stripe secrets only for the
   functions whose imports reach shared/integrations/stripe_client.py.
5. The invoker's run.invoker binding on each private function, and one Cloud Scheduler job per job.
Guarantees: the staged folder holds functions/ and the shared package side by side, so
`import main` works with the folder alone on sys.path (Cloud Functions' layout). Re-running a
deploy is safe: a create that finds its resource existing updates it (scheduler jobs) or moves on.
"""
from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from dev.import_graph import imports_of
from dev.server import FUNCTIONS_DIR, REPO_ROOT, load_manifest

STAGE_DIR = REPO_ROOT / ".build" / "functions"
# The Python the test suite and the benches run on (README: Python 3.11): deploy what was tested.
RUNTIME = "python311"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
# Secret Manager names, as `ENV_VAR=secret:version`; locally the same variables come from the
# environment (dev/stack.py sets test values).
STRIPE_SECRETS = {"STRIPE_SECRET_KEY": "stripe-secret-key",
                  "MINTBOOK_STRIPE_WEBHOOK_SECRET": "stripe-webhook-secret"}
STRIPE_MODULE = "shared.integrations.stripe_client"
SERVICES = ("cloudfunctions.googleapis.com", "run.googleapis.com", "cloudbuild.googleapis.com",
            "artifactregistry.googleapis.com", "eventarc.googleapis.com",
            "cloudscheduler.googleapis.com", "cloudtasks.googleapis.com",
            "secretmanager.googleapis.com", "firestore.googleapis.com")
RUNTIME_ROLES = ("roles/datastore.user", "roles/cloudtasks.enqueuer", "roles/firebaseauth.admin",
                 "roles/iam.serviceAccountTokenCreator")  # token creator: custom tokens, OIDC
INVOKER_ROLES = ("roles/eventarc.eventReceiver",)


@dataclass(frozen=True)
class Config:
    project: str
    region: str = "us-central1"
    firestore_location: str = "nam5"  # Firestore triggers live where the database lives
    source: str = ".build/functions"  # relative to the repository root, where commands run
    env: tuple[tuple[str, str], ...] = ()

    @property
    def runtime_account(self) -> str:
        return f"mintbook-runtime@{self.project}.iam.gserviceaccount.com"

    @property
    def invoker_account(self) -> str:
        return f"mintbook-invoker@{self.project}.iam.gserviceaccount.com"

    def function_url(self, name: str) -> str:
        # The address shared/integrations/tasks.py targets too (and uses as OIDC audience).
        return f"https://{self.region}-{self.project}.cloudfunctions.net/{name}"


@dataclass(frozen=True)
class Step:
    argv: tuple[str, ...]
    if_exists: tuple[str, ...] | None = None  # run instead when the create finds it existing
    exists_ok: bool = False

    def line(self) -> str:
        return shlex.join(self.argv)


# --- staging -------------------------------------------------------------------------------

def stage(dest: Path = STAGE_DIR) -> Path:
    """functions/ plus shared/ and the runtime requirements, as one upload folder."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(FUNCTIONS_DIR, dest, ignore=IGNORED)
    shutil.copytree(REPO_ROOT / "shared", dest / "shared", ignore=IGNORED)
    requirements = (REPO_ROOT / "requirements.txt").read_text()
    (dest / "requirements.txt").write_text(runtime_requirements(requirements))
    (dest / ".gcloudignore").write_text("__pycache__/\n*.pyc\n")
    return dest


def runtime_requirements(text: str) -> str:
    """requirements.txt up to its "# Local stack and tests" section: what deployed code imports."""
    kept = []
    for line in text.splitlines():
        if line.startswith("#") and "test" in line.lower():
            break
        kept.append(line)
    return "\n".join(kept).strip() + "\n"


# --- which functions need the Stripe secrets -------------------------------------------------

def secrets_for(function: Any) -> dict[str, str]:
    module = function.target.split(":")[0]
    return dict(STRIPE_SECRETS) if STRIPE_MODULE in imports_of(module) else {}


# --- the plan --------------------------------------------------------------------------------

def queues() -> list[str]:
    from shared.integrations import tasks

    names = [tasks.QUEUE, *getattr(tasks, "QUEUES", ())]
    return list(dict.fromkeys(names))


def plan(config: Config, functions: Sequence[Any]) -> list[Step]:
    return [*setup_steps(config), *queue_steps(config), firestore_step(config),
            *(deploy_step(f, config) for f in functions),
            *(invoker_step(f, config) for f in functions if f.kind != "http"),
            *(scheduler_step(f, config) for f in functions if f.kind == "job")]


def setup_steps(config: Config) -> list[Step]:
    p = f"--project={config.project}"
    steps = [Step(("gcloud", "services", "enable", *SERVICES, p))]
    steps += [Step(("gcloud", "secrets", "describe", name, p)) for name in STRIPE_SECRETS.values()]
    for account, title in ((config.runtime_account, "Mintbook functions"),
                           (config.invoker_account, "Mintbook scheduler, tasks and events")):
        steps.append(Step(("gcloud", "iam", "service-accounts", "create", account.split("@")[0],
                           f"--display-name={title}", p), exists_ok=True))
    for account, roles in ((config.runtime_account, RUNTIME_ROLES),
                           (config.invoker_account, INVOKER_ROLES)):
        steps += [Step(("gcloud", "projects", "add-iam-policy-binding", config.project,
                        f"--member=serviceAccount:{account}", f"--role={role}",
                        "--condition=None", "--quiet")) for role in roles]
    steps += [Step(("gcloud", "secrets", "add-iam-policy-binding", name, p,
                    f"--member=serviceAccount:{config.runtime_account}",
                    "--role=roles/secretmanager.secretAccessor"))
              for name in STRIPE_SECRETS.values()]
    # Cloud Tasks signs each task's OIDC token as the invoker: the runtime must act as it.
    steps.append(Step(("gcloud", "iam", "service-accounts", "add-iam-policy-binding",
                       config.invoker_account, p,
                       f"--member=serviceAccount:{config.runtime_account}",
                       "--role=roles/iam.serviceAccountUser")))
    return steps


def queue_steps(config: Config) -> list[Step]:
    return [Step(("gcloud", "tasks", "queues", "create", name, f"--project={config.project}",
                  f"--location={config.region}"), exists_ok=True) for name in queues()]


def firestore_step(config: Config) -> Step:
    return Step(("npx", "--yes", "firebase-tools@13", "deploy", "--only",
                 "firestore:rules,firestore:indexes", "--project", config.project,
                 "--config", "firebase.json", "--non-interactive"))


def deploy_step(function: Any, config: Config) -> Step:
    argv = ["gcloud", "functions", "deploy", function.name, "--gen2",
            f"--project={config.project}", f"--region={config.region}", f"--runtime={RUNTIME}",
            f"--source={config.source}", f"--entry-point={function.name}",
            f"--memory={function.memory}", f"--min-instances={function.min_instances}",
            f"--service-account={config.runtime_account}",
            f"--set-env-vars={_env(config, function)}"]
    if function.cpu:
        argv.append(f"--cpu={function.cpu}")
    if function.concurrency > 1:
        argv.append(f"--concurrency={function.concurrency}")
    if function.kind == "event":
        argv += [f"--trigger-location={config.firestore_location}",
                 f"--trigger-event-filters=type={function.event_type}",
                 "--trigger-event-filters=database=(default)",
                 f"--trigger-event-filters-path-pattern=document={function.document}",
                 f"--trigger-service-account={config.invoker_account}"]
    elif function.kind == "http":
        argv += ["--trigger-http", "--allow-unauthenticated"]
    else:  # job, task: only the invoker account may call them
        argv += ["--trigger-http", "--no-allow-unauthenticated"]
    secrets = secrets_for(function)
    if secrets:
        argv.append("--set-secrets=" + ",".join(f"{var}={name}:latest"
                                                for var, name in secrets.items()))
    return Step((*argv, "--quiet"))


def _env(config: Config, function: Any = None) -> str:
    pairs = [("GOOGLE_CLOUD_PROJECT", config.project), ("FUNCTION_REGION", config.region),
             ("MINTBOOK_TASKS_SERVICE_ACCOUNT", config.invoker_account), *config.env]
    if function is not None and function.concurrency > 1:  # the Python runtime's threads
        pairs.append(("THREADS", str(function.concurrency)))
    joined = [f"{k}={v}" for k, v in pairs]
    if any("," in item for item in joined):  # gcloud's alternate-delimiter syntax
        return "^|^" + "|".join(joined)
    return ",".join(joined)


def invoker_step(function: Any, config: Config) -> Step:
    return Step(("gcloud", "functions", "add-invoker-policy-binding", function.name,
                 f"--project={config.project}", f"--region={config.region}",
                 f"--member=serviceAccount:{config.invoker_account}"))


def scheduler_step(function: Any, config: Config) -> Step:
    url = config.function_url(function.name)
    common = [f"--project={config.project}", f"--location={config.region}",
              f"--schedule={function.schedule}", "--time-zone=Etc/UTC", f"--uri={url}",
              "--http-method=POST", "--message-body={}",
              f"--oidc-service-account-email={config.invoker_account}",
              f"--oidc-token-audience={url}"]
    job = f"mintbook-{function.name.replace('_', '-')}"
    return Step(("gcloud", "scheduler", "jobs", "create", "http", job, *common,
                 "--headers=Content-Type=application/json"),
                if_exists=("gcloud", "scheduler", "jobs", "update", "http", job, *common,
                           "--update-headers=Content-Type=application/json"))


# --- running ---------------------------------------------------------------------------------

def run(steps: Iterable[Step], jobs: int = 4) -> None:
    """Run the steps in order; function deploys (independent of each other) `jobs` at a time."""
    pending: list[Step] = []
    for step in steps:
        if step.argv[:3] == ("gcloud", "functions", "deploy"):
            pending.append(step)
            continue
        _run_all(pending, jobs)
        pending = []
        _run_one(step)
    _run_all(pending, jobs)


def _run_all(steps: list[Step], jobs: int) -> None:
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(_run_one, steps))  # list(): re-raises the first failure


def _run_one(step: Step) -> None:
    print(f"$ {step.line()}", flush=True)
    done = subprocess.run(step.argv, cwd=REPO_ROOT, capture_output=True, text=True)
    if done.returncode == 0:
        return
    exists = "already exists" in (done.stderr + done.stdout).lower()
    if exists and step.if_exists:
        return _run_one(Step(step.if_exists))
    if exists and step.exists_ok:
        return
    sys.stderr.write(done.stderr)
    raise SystemExit(f"deploy stopped: `{step.line()}` exited with {done.returncode}")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m dev.deploy", description=__doc__.split("\n")[0])
    parser.add_argument("--project", required=True)
    parser.add_argument("--region", default="us-central1")
    parser.add_argument("--firestore-location", default="nam5")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="an extra environment variable for every function (repeatable)")
    parser.add_argument("--plan", action="store_true", help="print the commands, run nothing")
    parser.add_argument("--jobs", type=int, default=4, help="function deploys run in parallel")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    env = tuple(tuple(item.split("=", 1)) for item in args.env if "=" in item)
    config = Config(args.project, args.region, args.firestore_location, env=env)  # type: ignore[arg-type]
    steps = plan(config, load_manifest().FUNCTIONS)
    if args.plan:
        print("\n".join(step.line() for step in steps))
        return 0
    stage()
    run(steps, args.jobs)
    print(f"deployed {sum(s.argv[:3] == ('gcloud', 'functions', 'deploy') for s in steps)} "
          f"functions to {config.project}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
