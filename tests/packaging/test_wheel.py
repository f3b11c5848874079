"""What `pip install imagecore` puts on a machine: one import root, and extras that match the uses.

These tests build the wheel from a copy of the project, install it in fresh virtual environments
beside a host project that has packages of its own named `app` and `adapters`, and run the
examples there.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from imagecore.testing.guide_bodies import png

ROOT = Path(__file__).parents[2]
#: Where each folder of src/ lands in the wheel.
INSTALLED_AS = {"imagecore": "imagecore", "adapters": "imagecore/adapters", "app": "imagecore/app"}


def run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project's files as a fresh clone has them."""
    source = tmp_path_factory.mktemp("clone") / "imagecore"
    listed = run("git", "ls-files", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for name in listed.stdout.splitlines():
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    return source


@pytest.fixture(scope="module")
def wheel(clone: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from the clone."""
    out = tmp_path_factory.mktemp("dist")
    built = run(sys.executable, "-m", "build", "--wheel", "--outdir", out, clone)
    assert built.returncode == 0, built.stderr[-3000:]
    (found,) = out.glob("imagecore-*.whl")
    return found


def test_the_wheel_has_one_import_root(wheel: Path) -> None:
    """Nothing but the imagecore package and its metadata sits at the top of the wheel."""
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.partition("/")[0] for name in names}
    assert {name for name in top if not name.endswith(".dist-info")} == {"imagecore"}


def test_every_source_file_is_in_the_wheel_under_its_installed_name(wheel: Path) -> None:
    """Each module, page asset, default image and py.typed of src/ ships, where imports find it."""
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = set()
    for path in (ROOT / "src").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            folder, _, rest = str(path.relative_to(ROOT / "src")).partition("/")
            expected.add(f"{INSTALLED_AS[folder]}/{rest}")
    assert sorted(expected - names) == []
    assert "imagecore/py.typed" in names and "imagecore/defaults/profile.png" in names


def test_the_core_alone_needs_attrs_alone(wheel: Path) -> None:
    """The wheel's required dependencies are attrs only; the rest are extras named by use."""
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = (n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        lines = archive.read(metadata).decode().splitlines()
    required = [
        line for line in lines if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]
    assert required == ["Requires-Dist: attrs>=24.2"]
    extras = {line.split(":", 1)[1].strip() for line in lines if line.startswith("Provides-Extra:")}
    assert {"codec", "storage", "server", "postgres", "s3", "testing"} <= extras


HOST_CHECK = """
import app, adapters
assert app.WHOSE == "the host's" and adapters.WHOSE == "the host's", (app, adapters)
import imagecore, imagecore.adapters.fsspec_storage, imagecore.adapters.pillow_codec
assert imagecore.__file__.startswith(sys.prefix), imagecore.__file__
try:
    import litestar
except ModuleNotFoundError:
    print("no litestar")
"""

WSGI_CHECK = """
import io, json, sys, tempfile
from pathlib import Path
from wsgiref.util import setup_testing_defaults
from wsgi_app import build

app = build(Path(tempfile.mkdtemp()))

def call(method, query=""):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": "/me/images", "QUERY_STRING": query,
               "HTTP_X_API_KEY": "key-of-ada", "wsgi.input": io.BytesIO()}
    setup_testing_defaults(environ)
    status = []
    body = b"".join(app(environ, lambda s, headers: status.append(s)))
    return status[0], json.loads(body)

print(*call("GET"))
print(call("DELETE", "slot=cover_image")[0])
"""

MOUNT_CHECK = """
import app, adapters
assert app.WHOSE == "the host's" and adapters.WHOSE == "the host's"
from litestar.testing import TestClient
from imagecore.adapters.http import TokenPolicy, issue_token
from mount_in_litestar import build_host

secret = "s" * 40
token = issue_token("7", TokenPolicy.shared_secret(secret), ttl=60)
with TestClient(build_host(secret)) as client:
    api = "/images/api/resume/user-images/"
    auth = {"Authorization": f"Bearer {token}"}
    default = client.get(api, headers=auth).json()["images"]["profile_image"]
    shown = client.get(default)
    assert shown.status_code == 200 and shown.content[:4] == b"\\x89PNG", shown
    print("limits", client.get(api + "limits/", headers=auth).json()["max_upload_bytes"])
"""


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A host project with its own `app` and `adapters` packages, and the examples beside them."""
    folder = tmp_path_factory.mktemp("host")
    for package in ("app", "adapters"):
        (folder / package).mkdir()
        (folder / package / "__init__.py").write_text('WHOSE = "the host\'s"\n')
    for example in ("plain_script.py", "wsgi_app.py", "mount_in_litestar.py"):
        shutil.copy(ROOT / "examples" / example, folder / example)
    (folder / "host_check.py").write_text("import sys\n" + HOST_CHECK)
    (folder / "wsgi_check.py").write_text(WSGI_CHECK)
    (folder / "mount_check.py").write_text(MOUNT_CHECK)
    return folder


def test_a_host_installs_the_core_with_the_adapters_it_chose(wheel: Path, host: Path) -> None:
    """In a fresh environment: the core with the codec and the file storage runs the plain
    script and the WSGI host beside the host's own app and adapters, pulls in no server, and
    the command says what to install for serving; adding the server extra runs the mount
    example."""
    venv = host / "venv"
    assert run(sys.executable, "-m", "venv", venv).returncode == 0
    python, pip = venv / "bin" / "python", [venv / "bin" / "python", "-m", "pip", "-q"]
    installed = run(*pip, "install", f"{wheel}[codec,storage]")
    assert installed.returncode == 0, installed.stderr[-3000:]

    checked = run(python, "host_check.py", cwd=host)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == "no litestar"
    script = run(python, "plain_script.py", cwd=host)
    assert script.returncode == 0, script.stderr
    assert "refused: SVG is not an accepted format" in script.stdout
    installed = run(*pip, "install", "multipart")  # the WSGI host's own form parser
    assert installed.returncode == 0, installed.stderr[-3000:]
    wsgi = run(python, "wsgi_check.py", cwd=host)
    assert wsgi.returncode == 0, wsgi.stderr
    assert wsgi.stdout.splitlines() == [
        "200 OK {'profile_image': 'resume/defaults/profile.png', 'cover_image': None}",
        "404 Not Found",
    ]
    serve = run(venv / "bin" / "imagecore", "serve", cwd=host)
    assert serve.returncode == 2
    assert serve.stderr.strip().splitlines() == [
        "imagecore: `imagecore serve` needs the 'server' extra, which is not installed "
        "(no module 'litestar'): pip install 'imagecore[server]'"
    ]

    installed = run(*pip, "install", f"{wheel}[server]")
    assert installed.returncode == 0, installed.stderr[-3000:]
    mounted = run(python, "mount_check.py", cwd=host)
    assert mounted.returncode == 0, mounted.stderr
    assert mounted.stdout.strip() == f"limits {4 * 1024 * 1024}"


def test_the_core_alone_runs_its_unit_and_property_tests(
    wheel: Path, clone: Path, tmp_path: Path
) -> None:
    """With only the core (and pytest and hypothesis) installed, the whole suite is collected,
    the tests that need an extra are left out saying which, and the core's own tests pass."""
    venv = tmp_path / "venv"
    assert run(sys.executable, "-m", "venv", venv).returncode == 0
    python = venv / "bin" / "python"
    installed = run(python, "-m", "pip", "-q", "install", wheel, "pytest", "hypothesis")
    assert installed.returncode == 0, installed.stderr[-3000:]
    assert run(python, "-c", "import PIL").returncode != 0  # nothing but the core came

    pytest_ = [python, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
    collected = run(*pytest_, "--collect-only", "tests", cwd=clone)
    assert collected.returncode == 0, collected.stdout[-3000:]
    assert "tests/http: needs litestar (pip install 'imagecore[server]')" in collected.stdout
    ran = run(*pytest_, "tests/unit", "tests/properties", "tests/test_architecture.py", cwd=clone)
    assert ran.returncode == 0, ran.stdout[-3000:]
    assert " passed" in ran.stdout.splitlines()[-1] and "failed" not in ran.stdout


#: What a host of each extra runs, in a fresh environment: the guide's GET and an upload, then
#: the top-level modules that were imported, one per line after a marker.
EXTRA_CHECKS = {
    "starlette": """
import sys, tempfile
from starlette.applications import Starlette
from starlette.testclient import TestClient
from imagecore import ImageSlots
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.memory_repository import MemoryRepository
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.adapters.starlette import image_routes

async def user(request):
    return "7"

slots = ImageSlots(FsspecStorage.from_url("memory://media"), MemoryRepository(), PillowCodec())
images = image_routes(slots, user)
with TestClient(Starlette(routes=images.routes, lifespan=images.lifespan)) as client:
    print(client.get("/api/resume/user-images/").json()["images"]["profile_image"])
    sent = client.post("/api/resume/user-images/", files={"cover_image": ("c.png", PNG)})
    print(sent.json()["message"])
""",
    "django": """
import sys, tempfile
import django
from django.conf import settings
folder = tempfile.mkdtemp()
settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes",
                    "django.contrib.sessions", "imagecore.adapters.django"],
    MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
                "django.contrib.auth.middleware.AuthenticationMiddleware"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": folder + "/db"}},
    STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                          "OPTIONS": {"location": folder}}},
    ROOT_URLCONF="urls", SECRET_KEY="s" * 40, ALLOWED_HOSTS=["*"], USE_TZ=True,
)
django.setup()
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
call_command("migrate", verbosity=0)
client = Client(enforce_csrf_checks=False)
client.force_login(User.objects.create(username="ada"))
print(client.get("/api/resume/user-images/").json()["images"]["profile_image"])
sent = client.post("/api/resume/user-images/", {"cover_image": SimpleUploadedFile("c.png", PNG)})
print(sent.json()["message"])
""",
}
DJANGO_URLS = (
    "from django.urls import include, path\n"
    'urlpatterns = [path("api/resume/", include("imagecore.adapters.django.urls"))]\n'
)
MODULES = """
print("--- modules")
top = {name.partition(".")[0] for name in sys.modules} - set(sys.stdlib_module_names)
print(*sorted(name for name in top if not name.startswith("_")), sep="\\n")
"""


@pytest.mark.parametrize(
    ("extra", "test_client", "media"),
    [
        ("starlette", "httpx", "/media/resume/defaults/profile.png"),
        ("django", None, "/api/resume/media/resume/defaults/profile.png"),
    ],
)
def test_an_extra_for_a_host_framework_brings_no_litestar(
    wheel: Path, tmp_path: Path, extra: str, test_client: str | None, media: str
) -> None:
    """imagecore[starlette] and imagecore[django], each in a fresh environment, serve the
    guide's GET and an upload through their framework, and never import Litestar, uvicorn or
    msgspec: the modules imported are printed for the record."""
    venv = tmp_path / "venv"
    assert run(sys.executable, "-m", "venv", venv).returncode == 0
    python = venv / "bin" / "python"
    installed = run(
        python, "-m", "pip", "-q", "install", f"{wheel}[{extra}]", *filter(None, [test_client])
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    for absent in ("litestar", "uvicorn", "msgspec"):
        assert run(python, "-c", f"import {absent}").returncode != 0, f"{absent} came along"
    picture = f"PNG = {png()!r}\n"
    (tmp_path / "check.py").write_text(picture + EXTRA_CHECKS[extra] + MODULES)
    (tmp_path / "urls.py").write_text(DJANGO_URLS)
    checked = run(python, "-W", "ignore", "check.py", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr[-3000:]
    said, _, modules = checked.stdout.partition("--- modules\n")
    assert said.splitlines() == [media, "Cover image uploaded successfully"]
    imported = set(modules.split())
    assert not imported & {"litestar", "uvicorn", "msgspec", "jwt"}, imported
    print(f"imagecore[{extra}] imported, beside the standard library:", *sorted(imported))
