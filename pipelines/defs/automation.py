"""The monthly close, automated: a sensor on the landing folder and a monthly schedule.

Both start ``carbon_run``, a job whose one step runs ``carbon run`` on the locations of this code
location (the same run as on the command line: the warehouse's run lock, the manifest, "nothing
changed" when nothing did, the reports; its own run appears in the instance beside this one). Both
are defined here, shown in the UI, and off unless carbon.yml's ``automation:`` switches them on
(``landing_sensor: true``, ``monthly_close: true``) or a person starts them in the UI.

The sensor compares a fingerprint of the landing folder (every file's path, size and modification
time, hidden and temporary files left out) with the one it saw last (its cursor): a new or changed
file starts exactly one run, keyed by the fingerprint; an unchanged folder starts none. On its first
look it starts a run only when the warehouse was never built; otherwise it records what it sees.
"""

import hashlib
import os
import subprocess
import sys
import warnings
from pathlib import Path

import dagster as dg
from dagster import OpExecutionContext

from pipelines.lib.resources import CarbonResource
from pipelines.lib.settings import DEFAULT_AUTOMATION, ConfigError, load_settings
from pipelines.lib.warehouse import Locations
from pipelines.paths import REPO_ROOT

# Files a landing folder may hold that are not data: editors' and exporters' leftovers.
_IGNORED_PREFIXES = (".", "~$")
_IGNORED_SUFFIXES = (".tmp", ".part", ".crdownload", ".swp")


def landing_fingerprint(landing: Path) -> tuple[str, int]:
    """(sha256 of every data file's relative path, size and modification time; number of files)."""
    digest = hashlib.sha256()
    count = 0
    if landing.is_dir():
        for path in sorted(p for p in landing.rglob("*") if p.is_file()):
            rel = path.relative_to(landing)
            if any(part.startswith(_IGNORED_PREFIXES) for part in rel.parts) or path.name.endswith(
                _IGNORED_SUFFIXES
            ):
                continue
            stat = path.stat()
            digest.update(f"{rel.as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
            count += 1
    return digest.hexdigest(), count


@dg.op(description="`carbon run` on the landing folder, warehouse and configuration of this code location.")
def carbon_run_step(context: OpExecutionContext, carbon: CarbonResource) -> None:
    command = [sys.executable, "-m", "pipelines.cli", "run", "--landing", carbon.landing_dir,
               "--warehouse", carbon.warehouse_path, "--config", carbon.config_path]  # fmt: skip
    context.log.info(" ".join(command))
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO_ROOT
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            context.log.info(line.rstrip())
    if proc.returncode != 0:
        raise dg.Failure(
            description=f"carbon run ended with exit code {proc.returncode}; its messages are in this step's log.",
            metadata={"exit_code": proc.returncode},
        )


@dg.job(
    name="carbon_run",
    description="The whole `carbon run` (extraction, dbt, data quality plan, reports) as one step.",
)
def carbon_run_job() -> None:
    carbon_run_step()


def _automation(loc: Locations) -> dict:
    try:
        return load_settings(loc.config).automation
    except (ConfigError, OSError):
        return dict(DEFAULT_AUTOMATION)  # `carbon run` names the configuration's fault


def _sensor_status(on: bool) -> dg.DefaultSensorStatus:
    return dg.DefaultSensorStatus.RUNNING if on else dg.DefaultSensorStatus.STOPPED


def _schedule_status(on: bool) -> dg.DefaultScheduleStatus:
    return dg.DefaultScheduleStatus.RUNNING if on else dg.DefaultScheduleStatus.STOPPED


def build_automation(loc: Locations) -> tuple[dg.SensorDefinition, dg.ScheduleDefinition]:
    """The landing-folder sensor and the monthly-close schedule of these locations."""
    options = _automation(loc)
    with warnings.catch_warnings():
        # dagster 1.13's sensor decorator passes its beta `owners` parameter itself: not ours to see
        warnings.simplefilter("ignore", dg.BetaWarning)
        sensor = _landing_sensor(loc, options)
    schedule = dg.ScheduleDefinition(
        name="monthly_close_schedule",
        job=carbon_run_job,
        cron_schedule=options["monthly_close_cron"],
        execution_timezone=options["timezone"],
        default_status=_schedule_status(options["monthly_close"]),
        description="The monthly close: `carbon run` on the landing folder "
        f"({options['monthly_close_cron']}, {options['timezone']}).",
        tags={"carbon/trigger": "monthly_close_schedule"},
    )
    return sensor, schedule


def _landing_sensor(loc: Locations, options: dict) -> dg.SensorDefinition:
    @dg.sensor(
        name="landing_folder_sensor",
        job=carbon_run_job,
        minimum_interval_seconds=60,
        default_status=_sensor_status(options["landing_sensor"]),
        description=f"Starts `carbon run` when a file in {loc.landing} is added, changed or removed.",
    )
    def landing_folder_sensor(context: dg.SensorEvaluationContext):
        fingerprint, files = landing_fingerprint(loc.landing)
        if context.cursor == fingerprint:
            return dg.SkipReason(f"The landing folder is unchanged ({files} files).")
        first_look = context.cursor is None
        context.update_cursor(fingerprint)
        if first_look and loc.warehouse.exists():
            return dg.SkipReason(f"Watching {files} files in {loc.landing}; the next change starts a run.")
        return dg.RunRequest(run_key=f"landing-{fingerprint[:16]}", tags={"carbon/trigger": "landing_sensor"})

    return landing_folder_sensor
