"""Deployment (issue 12): the README's production commands work as written, the WSGI application
(what gunicorn serves) answers the login page and the hashed static files, and the demo's
settings (``backend.settings.local``, used by ``scripts/run``) serve the way production does.

Each check runs in a process of its own, with the settings module and environment it names
(settings are read once per process). ``scripts/smoke_production`` (run by ``.ci/run``) does the
same with a real gunicorn and a signed-in user."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
STATIC = ROOT / "static"
SECRET = "smoke-" + "k3y-" * 14  # 62 characters, not a real secret


def _environ(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests (tests/browser.py) for their own
           # process; check --deploy would warn about it in the child
           if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "STATIC_ROOT",
                        "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", MEDIA_ROOT=str(tmp_path / "media"))
    env.update(extra)
    return env


def _run(args, env, timeout=180) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def _python(code: str, env) -> dict:
    """Runs ``code`` (which prints one JSON line last) and returns what it printed."""
    done = _run([sys.executable, "-c", textwrap.dedent(code)], env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_no_static_file_names_a_source_map_that_is_not_there():
    """collectstatic's manifest storage stops on a reference to a missing file (the vendored
    Chart.js named chart.umd.min.js.map)."""
    missing = []
    for path in STATIC.rglob("*"):
        if path.suffix not in (".js", ".css"):
            continue
        for name in re.findall(r"[#@] sourceMappingURL=(\S+?)(?:\s*\*/)?\s*$", path.read_text("utf-8"), re.M):
            if not (path.parent / name).exists():
                missing.append(f"{path.relative_to(ROOT)} → {name}")
    assert not missing


def test_the_vendored_chartjs_version_is_noted():
    version = (STATIC / "vendor" / "chartjs" / "VERSION").read_text("utf-8")
    head = (STATIC / "vendor" / "chartjs" / "chart.umd.min.js").read_text("utf-8")[:200]
    number = re.search(r"Chart\.js v(\d+\.\d+\.\d+)", head).group(1)
    assert f"Chart.js {number}" in version and "sourceMappingURL" in version


def test_check_deploy_passes_with_the_readme_environment(tmp_path):
    env = _environ(tmp_path, SECRET_KEY=SECRET, ALLOWED_HOSTS="teachers.example.gov.cn")
    _run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING",
          "--settings=backend.settings.production"], env)


def test_production_collectstatic_then_the_wsgi_application_serves_login_and_hashed_static(tmp_path):
    """The README's collectstatic, then backend.wsgi.application (what ``gunicorn backend.wsgi``
    loads, with its default settings module) asked through the TLS proxy. Before the fix the
    collectstatic stopped on the vendored Chart.js, and the login page was a 500 (no manifest
    entry for css/app.css)."""
    env = _environ(tmp_path, SECRET_KEY=SECRET, ALLOWED_HOSTS="127.0.0.1", STATIC_ROOT=str(tmp_path / "static"))
    _run([sys.executable, "manage.py", "collectstatic", "--noinput", "--settings=backend.settings.production"], env)
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text("utf-8"))["paths"]
    assert {"css/app.css", "vendor/chartjs/chart.umd.min.js"} <= set(manifest)
    answers = _python("""
        import io, json, re, sys
        from wsgiref.util import setup_testing_defaults

        from backend.wsgi import application
        from django.conf import settings

        def get(path, **headers):
            environ = {"PATH_INFO": path, "HTTP_HOST": "127.0.0.1", "HTTP_X_FORWARDED_PROTO": "https",
                       "wsgi.errors": sys.stderr, **headers}
            setup_testing_defaults(environ)
            seen = {}
            def start_response(status, response_headers, exc_info=None):
                seen["status"], seen["headers"] = status, dict(response_headers)
            body = b"".join(application(environ, start_response))
            return int(seen["status"].split()[0]), seen["headers"], body.decode("utf-8", "replace")

        status, headers, login = get("/accounts/login/")
        css = re.search(r'href="(/static/css/app\\.[0-9a-f]{12}\\.css)"', login).group(1)
        css_status, css_headers, _ = get(css)
        plain_status, plain_headers, _ = get("/accounts/login/", HTTP_X_FORWARDED_PROTO="")
        print(json.dumps({"settings": settings.SETTINGS_MODULE, "debug": settings.DEBUG,
                          "status": status, "chinese_form": "登录" in login and 'name="password"' in login,
                          "css_status": css_status, "css_cache": css_headers.get("Cache-Control"),
                          "plain_status": plain_status, "plain_location": plain_headers.get("Location")}))
    """, env)
    assert answers["settings"] == "backend.settings.production" and answers["debug"] is False
    assert answers["status"] == 200 and answers["chinese_form"]
    assert answers["css_status"] == 200 and answers["css_cache"] == "max-age=315360000, public, immutable"
    assert answers["plain_status"] == 301 and answers["plain_location"].startswith("https://")


LOCAL_PROBE = """
    import json
    import django
    from django.conf import settings
    django.setup()
    from django.core.management import get_commands
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
    missing = client.get("/no-such-page/")
    css = client.get("/static/css/app.css")
    print(json.dumps({
        "debug": settings.DEBUG, "hosts": settings.ALLOWED_HOSTS,
        "runserver": get_commands()["runserver"],
        "missing": [missing.status_code, missing.content.decode()],
        "css": [css.status_code, css.get("Content-Type"), type(css).__module__],
    }))
"""


def test_the_demo_settings_serve_with_debug_off_by_default(tmp_path):
    """scripts/run serves through manage.py, that is backend.settings.local."""
    env = _environ(tmp_path, DJANGO_SETTINGS_MODULE="backend.settings.local")
    seen = _python(LOCAL_PROBE, env)
    assert seen["debug"] is False
    assert {"127.0.0.1", "localhost"} <= set(seen["hosts"])
    assert seen["runserver"] == "whitenoise.runserver_nostatic"  # runserver leaves static files to whitenoise
    status, body = seen["missing"]
    assert status == 404 and "页面不存在" in body and "Using the URLconf" not in body
    status, content_type, served_by = seen["css"]
    assert status == 200 and content_type.startswith("text/css") and served_by.startswith("whitenoise")


def test_the_demo_opts_in_to_debug_and_keeps_the_loopback_names(tmp_path):
    env = _environ(tmp_path, DJANGO_SETTINGS_MODULE="backend.settings.local", DEBUG="true",
                   ALLOWED_HOSTS="teachers.example.gov.cn")
    seen = _python(LOCAL_PROBE, env)
    assert seen["debug"] is True
    assert seen["hosts"] == ["teachers.example.gov.cn", "127.0.0.1", "localhost"]
    status, body = seen["missing"]
    assert status == 404 and "Using the URLconf" in body  # Django's debug page, as asked
    assert seen["css"][0] == 200 and seen["css"][2].startswith("whitenoise")
