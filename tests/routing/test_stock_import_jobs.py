"""Background stock imports: large uploads queued from the page, checked and
written by a task in committed chunks, and their result page."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from routing.models import StockImport, StockLevel, StockSnapshot
from routing.services import stock_import, stock_import_jobs
from routing.services.stock_import_jobs import (
    stock_import_run,
    stock_imports_fail_stale,
)

pytestmark = pytest.mark.django_db

UPLOAD_URL = reverse("routing_stock:upload")
ADMIN_IMPORT_URL = "/admin/routing/stocklevel/import-csv/"
GOOD_FILE = (
    "location_code;sku_id;quantity\n"
    "loja-a;2001;4\nloja-a;2002;5\nloja-b;2001;6\nloja-b;2002;7\nloja-b;2003;8\n"
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def background_for_any_file(monkeypatch):
    """Send every upload to the background, in chunks of two rows."""
    monkeypatch.setattr(stock_import_jobs, "SYNC_MAX_BYTES", 10)
    monkeypatch.setattr(stock_import_jobs, "WRITE_CHUNK", 2)


@pytest.fixture
def stores(store_a, store_b):
    return {"a": store_a, "b": store_b}


def log_in(client, user) -> None:
    user.save()
    client.force_login(user)


def upload(client, text: str, url: str = UPLOAD_URL):
    file = SimpleUploadedFile("estoque.csv", text.encode(), content_type="text/csv")
    return client.post(url, {"file": file}, HTTP_ACCEPT_LANGUAGE="en")


def import_url(job) -> str:
    return reverse("routing_stock:import", kwargs={"pk": job.pk})


def quantities() -> dict[tuple[str, str], int]:
    return {
        (level.location.code, level.sku_id): level.quantity
        for level in StockLevel.objects.select_related("location")
    }


def test_large_upload_is_queued(client, hq_user, stores):
    log_in(client, hq_user)

    response = upload(client, GOOD_FILE)

    job = StockImport.objects.get()
    assert response.status_code == 302
    assert response.url == import_url(job)
    assert job.status == StockImport.Status.QUEUED
    assert job.created_by == hq_user
    assert job.file_name == "estoque.csv"
    assert bytes(job.content) == GOOD_FILE.encode()
    assert StockLevel.objects.count() == 0


def test_queued_import_page_reloads(client, hq_user, stores):
    log_in(client, hq_user)
    upload(client, GOOD_FILE)
    job = StockImport.objects.get()

    page = client.get(import_url(job), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<meta http-equiv="refresh" content="3">' in page
    assert "Queued" in page


def test_task_writes_file_in_chunks(
    client, hq_user, stores, monkeypatch, django_capture_on_commit_callbacks
):
    log_in(client, hq_user)
    written_before_chunk = []
    write = stock_import_jobs.stock_levels_set

    def recording_write(*, rows, source, at):
        job = StockImport.objects.get()
        written_before_chunk.append((job.status, job.rows_written, len(rows)))
        return write(rows=rows, source=source, at=at)

    monkeypatch.setattr(stock_import_jobs, "stock_levels_set", recording_write)

    with django_capture_on_commit_callbacks(execute=True):
        upload(client, GOOD_FILE)

    job = StockImport.objects.get()
    assert written_before_chunk == [
        ("writing", 0, 2),
        ("writing", 2, 2),
        ("writing", 4, 1),
    ]
    assert job.status == StockImport.Status.DONE
    assert (job.rows_total, job.rows_written) == (5, 5)
    assert (job.locations, job.skus) == (2, 3)
    assert bytes(job.content) == b""
    assert job.finished_at is not None
    assert quantities() == {
        ("loja-a", "2001"): 4,
        ("loja-a", "2002"): 5,
        ("loja-b", "2001"): 6,
        ("loja-b", "2002"): 7,
        ("loja-b", "2003"): 8,
    }
    snapshot_times = set(StockSnapshot.objects.values_list("taken_at", flat=True))
    assert len(snapshot_times) == 1


def test_done_import_page_shows_summary(
    client, hq_user, stores, django_capture_on_commit_callbacks
):
    log_in(client, hq_user)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, GOOD_FILE)
    job = StockImport.objects.get()

    page = client.get(import_url(job), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Imported 5 stock rows: 2 locations, 3 SKUs." in page
    assert 'http-equiv="refresh"' not in page


def test_file_with_errors_writes_nothing(
    client, hq_user, stores, django_capture_on_commit_callbacks
):
    log_in(client, hq_user)
    text = GOOD_FILE + "loja-x;2001;1\nloja-a;2009;-3\n"

    with django_capture_on_commit_callbacks(execute=True):
        upload(client, text)

    job = StockImport.objects.get()
    page = client.get(import_url(job), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert job.status == StockImport.Status.REJECTED
    assert job.error_count == 2
    assert [(error["row"], error["column"]) for error in job.errors] == [
        (7, "location_code"),
        (8, "quantity"),
    ]
    assert job.rows_written == 0
    assert StockLevel.objects.count() == 0
    assert StockSnapshot.objects.count() == 0
    assert "The file has 2 errors, so nothing was imported." in page
    assert "No location has the code loja-x." in page


def test_saved_errors_are_capped(
    stores, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(stock_import_jobs, "MAX_SAVED_ERRORS", 1)
    bad = SimpleUploadedFile(
        "estoque.csv", b"location_code,sku_id,quantity\nloja-a,1,x\nloja-a,2,y\n"
    )

    with django_capture_on_commit_callbacks(execute=True):
        stock_import_jobs.stock_import_start(file=bad)

    job = StockImport.objects.get()
    assert job.error_count == 2
    assert len(job.errors) == 1


def test_file_over_limit_is_rejected(
    stores, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(stock_import, "MAX_FILE_BYTES", 20)
    monkeypatch.setattr(stock_import_jobs, "MAX_FILE_BYTES", 20)
    large = SimpleUploadedFile("estoque.csv", GOOD_FILE.encode())

    with django_capture_on_commit_callbacks(execute=True):
        stock_import_jobs.stock_import_start(file=large)

    job = StockImport.objects.get()
    assert job.status == StockImport.Status.REJECTED
    assert [error["reason"] for error in job.errors] == [
        "The file is larger than 0 MB. Split it into smaller files."
    ]
    assert bytes(job.content) == b""
    assert StockLevel.objects.count() == 0


def test_claimed_import_is_not_run_again(stores, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = stock_import_jobs.stock_import_start(
            file=SimpleUploadedFile("estoque.csv", GOOD_FILE.encode())
        )
    snapshots = StockSnapshot.objects.count()

    assert stock_import_run(import_id=job.pk) is None

    assert StockSnapshot.objects.count() == snapshots


def test_stale_import_is_failed_with_rows_written(stores):
    now = timezone.now().replace(microsecond=0)
    silent_since = now - timedelta(minutes=11)
    stale = StockImport.objects.create(
        file_name="a.csv",
        file_size=1,
        content=b"x",
        status=StockImport.Status.WRITING,
        rows_total=90,
        rows_written=40,
    )
    alive = StockImport.objects.create(
        file_name="b.csv", file_size=1, content=b"x", status=StockImport.Status.WRITING
    )
    done = StockImport.objects.create(
        file_name="c.csv", file_size=1, content=b"", status=StockImport.Status.DONE
    )
    StockImport.objects.filter(pk__in=[stale.pk, done.pk]).update(
        updated_at=silent_since
    )
    StockImport.objects.filter(pk=alive.pk).update(
        updated_at=now - timedelta(minutes=9)
    )

    assert stock_imports_fail_stale(now=now) == 1

    stale.refresh_from_db()
    alive.refresh_from_db()
    done.refresh_from_db()
    assert stale.status == StockImport.Status.FAILED
    stopped_at = timezone.localtime(silent_since).strftime("%d/%m/%Y %H:%M")
    assert stale.failure == (
        f"The import stopped at {stopped_at} after writing 40 of 90 rows, and "
        "nothing moved for 10 minutes. Upload the file again: it sets the same "
        "quantities, so it completes the import."
    )
    assert bytes(stale.content) == b""
    assert alive.status == StockImport.Status.WRITING
    assert done.status == StockImport.Status.DONE


def test_import_page_is_404_for_store_manager(client, manager_a, stores):
    job = StockImport.objects.create(file_name="a.csv", file_size=1, content=b"x")
    log_in(client, manager_a)

    response = client.get(import_url(job))

    assert response.status_code == 404


def test_small_upload_stays_synchronous(client, hq_user, stores, monkeypatch):
    monkeypatch.setattr(stock_import_jobs, "SYNC_MAX_BYTES", 10_000)
    log_in(client, hq_user)

    response = upload(client, GOOD_FILE)

    assert response.status_code == 302
    assert response.url == UPLOAD_URL
    assert StockImport.objects.count() == 0
    assert quantities()[("loja-b", "2003")] == 8


def test_admin_large_upload_goes_to_import_page(client, hq_user, stores):
    hq_user.is_staff = True
    hq_user.save()
    hq_user.user_permissions.add(
        Permission.objects.get(codename="change_stocklevel"),
        Permission.objects.get(codename="view_stocklevel"),
    )
    log_in(client, hq_user)

    response = upload(client, GOOD_FILE, url=ADMIN_IMPORT_URL)

    job = StockImport.objects.get()
    assert response.status_code == 302
    assert response.url == import_url(job)
    assert job.source == "csv"
    assert StockLevel.objects.count() == 0
