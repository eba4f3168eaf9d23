"""docker-compose.yml and the Dockerfile, checked without Docker (which CI does not have): every service's
command points at something that exists in the project, the data services persist, web runs in production."""

from __future__ import annotations

import importlib
import os
import re
import shlex
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
APP_DIR = "/app"  # the Dockerfile's WORKDIR: the project's root inside the image

SERVICES = {"web", "worker", "beat", "db", "redis"}
APP_SERVICES = ("web", "worker", "beat")
REQUIRED_ENV = ("DJANGO_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS")
REQUIRED_ENV += ("SITE_URL", "EMAIL_URL")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def as_list(value) -> list[str]:
    if value is None:
        return []
    return shlex.split(value) if isinstance(value, str) else [str(v) for v in value]


def in_project(path: str) -> Path:
    assert path.startswith(APP_DIR + "/"), f"{path} is not under the image's {APP_DIR}"
    return ROOT / path[len(APP_DIR) + 1 :]


def test_the_five_services(compose):
    assert set(compose["services"]) == SERVICES


def test_entrypoint_is_a_project_script_that_execs_the_command(compose, dockerfile):
    entrypoints = {tuple(as_list(compose["services"][name].get("entrypoint"))) for name in APP_SERVICES}
    docker_entry = next(args for instr, args in dockerfile if instr == "ENTRYPOINT")
    entrypoints.add(tuple(yaml.safe_load(docker_entry)))
    assert len(entrypoints) == 1
    (script_path,) = entrypoints.pop()
    script = in_project(script_path)
    assert script.is_file()
    assert script.stat().st_mode & stat.S_IXUSR, "the entrypoint must be executable"
    text = script.read_text()
    assert text.startswith("#!/bin/sh")
    assert 'exec "$@"' in text
    tracked = subprocess.run(
        ["git", "ls-files", "-s", str(script.relative_to(ROOT))], cwd=ROOT, capture_output=True, text=True
    ).stdout
    assert not tracked or tracked.startswith("100755"), "commit the entrypoint with its executable bit"


def test_entrypoint_runs_management_commands_that_exist(compose):
    from django.core.management import get_commands

    script = (ROOT / "scripts" / "docker-entrypoint.sh").read_text()
    commands = re.findall(r"python manage\.py (\w+)", script)
    assert {"migrate", "collectstatic"} <= set(commands)
    for command in commands:
        assert command in get_commands(), command
    assert (ROOT / "manage.py").is_file()
    assert compose["services"]["web"]["environment"]["SVD_MIGRATE_ON_START"] == "1"
    for name in ("worker", "beat"):  # only web migrates, so two containers never race to
        assert "SVD_MIGRATE_ON_START" not in compose["services"][name]["environment"]


def test_web_runs_gunicorn_on_the_projects_wsgi_application(compose, dockerfile):
    for command in (
        as_list(compose["services"]["web"]["command"]),
        yaml.safe_load(next(args for instr, args in dockerfile if instr == "CMD")),
    ):
        assert command[0] == "gunicorn"
        target = next(arg for arg in command[1:] if not arg.startswith("-"))
        module_name, _, attribute = target.partition(":")
        module = importlib.import_module(module_name)
        assert callable(getattr(module, attribute or "application"))
    assert any(dep.lower().startswith("gunicorn") for dep in project_dependencies())


@pytest.mark.parametrize("service", ["worker", "beat"])
def test_celery_services_point_at_the_projects_celery_app(compose, service):
    from celery import Celery
    from celery.app.utils import find_app

    command = as_list(compose["services"][service]["command"])
    assert command[0] == "celery"
    app_name = command[command.index("-A") + 1]
    app = find_app(app_name)
    assert isinstance(app, Celery)
    assert app.main == "svd_portal"
    assert service in command
    assert any(dep.lower().startswith("celery") for dep in project_dependencies())


def test_beat_keeps_its_schedule_file_somewhere_writable(compose):
    command = as_list(compose["services"]["beat"]["command"])
    schedule = next(arg.split("=", 1)[1] for arg in command if arg.startswith("--schedule="))
    assert schedule.startswith("/tmp/")  # noqa: S108 - the image's /app is read-only to the service user


def test_app_services_share_one_image_built_from_the_dockerfile(compose):
    images = {compose["services"][name]["image"] for name in APP_SERVICES}
    assert len(images) == 1
    for name in APP_SERVICES:
        assert compose["services"][name]["build"] == "."
    assert (ROOT / "Dockerfile").is_file()


def test_web_has_the_production_environment(compose):
    env = compose["services"]["web"]["environment"]
    for name in REQUIRED_ENV:
        assert name in env, name
    assert env["DJANGO_ENV"] == "production"
    assert "DEBUG" not in env and "SVD_DEMO_MODE" not in env
    # Secrets come from .env through interpolation that fails when unset, never a literal in the file
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SITE_URL", "EMAIL_URL"):
        assert re.fullmatch(rf"\$\{{{name}:\?[^}}]+\}}", env[name]), f"{name}: {env[name]}"
    assert "${POSTGRES_PASSWORD:?" in env["DATABASE_URL"] and "@db:5432/" in env["DATABASE_URL"]
    assert "${REDIS_PASSWORD:?" in env["REDIS_URL"] and "@redis:6379/" in env["REDIS_URL"]


def test_every_app_setting_in_compose_is_one_the_settings_read(compose):
    settings_source = (ROOT / "svd_portal" / "settings.py").read_text()
    for service in APP_SERVICES:
        for name in compose["services"][service]["environment"]:
            if name == "SVD_MIGRATE_ON_START":
                continue
            assert f'"{name}"' in settings_source, f"{service}: {name} is not read by settings.py (a typo?)"


def test_every_interpolated_variable_is_documented_in_env_example(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    used = set(re.findall(r"(?<!\$)\$\{(\w+)", text))
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^(\w+)=", example, flags=re.MULTILINE))
    assert used <= documented, used - documented
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in (ROOT / ".dockerignore").read_text().splitlines()


def test_app_services_wait_for_healthy_data_services(compose):
    for name in APP_SERVICES:
        depends = compose["services"][name]["depends_on"]
        for data in ("db", "redis"):
            assert depends[data]["condition"] == "service_healthy", (name, data)
    for name in ("worker", "beat"):
        assert compose["services"][name]["depends_on"]["web"]["condition"] == "service_healthy"


def test_healthchecks(compose):
    for name in ("web", "worker", "db", "redis"):
        assert compose["services"][name]["healthcheck"]["test"], name
    web_check = as_list(compose["services"]["web"]["healthcheck"]["test"])
    script = next(arg for arg in web_check if arg.endswith(".py"))
    assert in_project(script).is_file()
    assert "/healthz" in in_project(script).read_text()
    from django.urls import reverse

    assert reverse("healthz") == "/healthz"


@pytest.mark.django_db(transaction=True)
def test_web_health_check_script_against_a_live_server(live_server):
    from urllib.parse import urlsplit

    port = str(urlsplit(live_server.url).port)
    env = {**os.environ, "ALLOWED_HOSTS": "localhost", "SVD_HEALTHCHECK_PORT": port}
    ok = subprocess.run([sys.executable, str(ROOT / "scripts" / "healthcheck.py")], env=env, timeout=30)
    assert ok.returncode == 0
    env["SVD_HEALTHCHECK_PORT"] = "9"  # nothing listens there
    down = subprocess.run([sys.executable, str(ROOT / "scripts" / "healthcheck.py")], env=env, timeout=30)
    assert down.returncode == 1


def test_postgres_is_15_with_a_persistent_named_volume(compose):
    db = compose["services"]["db"]
    assert db["image"].split(":")[0] == "postgres" and db["image"].split(":")[1].startswith("15")
    mounts = dict(v.split(":", 1) for v in db["volumes"])
    volume = next(name for name, target in mounts.items() if target == "/var/lib/postgresql/data")
    assert volume in compose["volumes"]
    assert "${POSTGRES_PASSWORD:?" in db["environment"]["POSTGRES_PASSWORD"]


def test_redis_is_7_append_only_never_evicting_with_a_volume_and_password(compose):
    redis = compose["services"]["redis"]
    assert redis["image"].split(":")[0] == "redis" and redis["image"].split(":")[1].startswith("7")
    command = " ".join(as_list(redis["command"]))
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command
    assert "--requirepass" in command
    mounts = dict(v.split(":", 1) for v in redis["volumes"])
    volume = next(name for name, target in mounts.items() if target == "/data")
    assert volume in compose["volumes"]


def test_only_web_publishes_a_port_and_only_on_loopback(compose):
    for name, service in compose["services"].items():
        ports = service.get("ports", [])
        if name == "web":
            assert ports == ["127.0.0.1:8000:8000"]
        else:
            assert not ports, f"{name} must not be reachable from outside the compose network"


# --- The Dockerfile -------------------------------------------------------------------------------


def project_dependencies() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]


def test_dockerfile_base_and_weasyprint_libraries(dockerfile):
    assert dockerfile[0] == ("FROM", "python:3.11-slim-bookworm")
    apt = " ".join(args for instr, args in dockerfile if instr == "RUN" and "apt-get install" in args)
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-"):
        assert package in apt, package
    assert "rm -rf /var/lib/apt/lists/*" in apt


def test_dockerfile_runs_as_a_non_root_user(dockerfile):
    users = [args for instr, args in dockerfile if instr == "USER"]
    assert users and users[-1] not in {"root", "0"}
    assert any("useradd" in args and users[-1] in args for instr, args in dockerfile if instr == "RUN")
    last_user = max(i for i, (instr, _) in enumerate(dockerfile) if instr == "USER")
    assert all(instr != "RUN" for instr, _ in dockerfile[last_user:]), "nothing runs as root after USER"


def test_dockerfile_installs_the_project_and_copies_only_what_exists(dockerfile):
    runs = [args for instr, args in dockerfile if instr == "RUN"]
    assert any(re.search(r"\bpip install \.(\s|$)", args) for args in runs)
    for instr, args in dockerfile:
        if instr == "COPY":
            *sources, _target = args.split()
            for source in sources:
                if source != ".":
                    assert (ROOT / source).exists(), f"COPY {source}: no such file"
    workdir = [args for instr, args in dockerfile if instr == "WORKDIR"]
    assert workdir == [APP_DIR]


def test_dockerfile_build_step_collectstatic_settings_are_accepted(dockerfile):
    """The build's collectstatic runs under production settings with a throwaway key: those settings must
    load (a short key or a missing ALLOWED_HOSTS would make production refuse to start)."""
    step = next(args for instr, args in dockerfile if instr == "RUN" and "collectstatic" in args)
    assignments = dict(re.findall(r"\b([A-Z_]+)=(\S+)", step.split("python manage.py")[0]))
    assert assignments["DJANGO_ENV"] == "production"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env.update(assignments)
    env.pop("DEBUG", None)
    env.pop("SVD_DEMO_MODE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    for entry in (".env", ".git", ".venv", "node_modules", "db.sqlite3", "staticfiles"):
        assert entry in ignored, entry
    assert "static" not in ignored  # the committed GOV.UK Frontend assets are needed
