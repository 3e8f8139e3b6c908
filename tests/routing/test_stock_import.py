"""Stock CSV import: the service, HQ's upload page and the admin import page."""

import io
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path, reverse
from django.utils import translation

from config.urls import urlpatterns as project_urlpatterns
from franchises.models import Membership
from routing.models import StockLevel, StockSnapshot
from routing.services import stock_import
from routing.services.stock import StockRow, stock_levels_set
from routing.services.stock_import import RowError, stock_csv_import
from routing.stock_admin import StockImportAdminMixin
from routing.stock_views import MAX_SHOWN_ERRORS
from tests.factories import MembershipFactory, UserFactory

HEADER_HELP = "location_code,sku_id,quantity[,lead_time_hours]"


# The project's URLs with this page and an admin whose stock level page has
# the import mixin, until config/urls.py and routing/admin.py include them.
class StockLevelImportAdmin(StockImportAdminMixin, admin.ModelAdmin):
    pass


test_admin_site = admin.AdminSite(name="admin")
test_admin_site.register(StockLevel, StockLevelImportAdmin)
urlpatterns = [
    path("admin/", test_admin_site.urls),
    path("routing/stock/", include("routing.stock_urls")),
    *[url for url in project_urlpatterns if str(url.pattern) != "admin/"],
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

UPLOAD_URL = "/routing/stock/upload/"
ADMIN_IMPORT_URL = "/admin/routing/stocklevel/import-csv/"
ADMIN_CHANGELIST_URL = "/admin/routing/stocklevel/"


@pytest.fixture(autouse=True)
def english():
    # Messages are asserted in English, while the portal's default is pt-BR.
    with translation.override("en"):
        yield


@pytest.fixture
def stores(store_a, store_b):
    return {"a": store_a, "b": store_b}


def csv_file(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def counts() -> tuple[int, int]:
    return StockLevel.objects.count(), StockSnapshot.objects.count()


def levels() -> dict[tuple[str, str], tuple[int, int, Decimal, str]]:
    return {
        (level.location.code, level.sku_id): (
            level.quantity,
            level.reserved,
            level.lead_time_hours,
            level.source,
        )
        for level in StockLevel.objects.select_related("location")
    }


def log_in(client, user) -> None:
    # The persona factory sets the password without saving it, and Django ends a
    # session whose password hash differs from the stored one.
    user.save()
    client.force_login(user)


# Good files -------------------------------------------------------------------


def test_import_sets_levels_and_snapshots(stores):
    stock_levels_set(rows=[StockRow(stores["a"].pk, "2001", 9, 2.0)], source="vtex")
    StockLevel.objects.filter(sku_id="2001").update(reserved=2)
    text = (
        "location_code,sku_id,quantity,lead_time_hours\n"
        "loja-a,2001,12,4\n"
        "loja-a,2002,0,\n"
        "loja-b,2001,7,2.5\n"
    )

    result = stock_csv_import(file=csv_file(text))

    assert result.ok
    assert result.errors == []
    assert result.rows_imported == 3
    assert result.locations == 2
    assert result.skus == 2
    assert levels() == {
        ("loja-a", "2001"): (12, 2, Decimal("4.0"), "csv"),
        ("loja-a", "2002"): (0, 0, Decimal("0.0"), "csv"),
        ("loja-b", "2001"): (7, 0, Decimal("2.5"), "csv"),
    }
    snapshots = StockSnapshot.objects.filter(source="csv").order_by("id")
    assert [(s.location.code, s.sku_id, s.quantity) for s in snapshots] == [
        ("loja-a", "2001", 12),
        ("loja-a", "2002", 0),
        ("loja-b", "2001", 7),
    ]
    assert len({s.taken_at for s in snapshots}) == 1


def test_import_keeps_lead_time_when_cell_empty(stores):
    stock_levels_set(rows=[StockRow(stores["a"].pk, "2001", 9, 6.0)], source="csv")

    result = stock_csv_import(
        file=csv_file("location_code,sku_id,quantity,lead_time_hours\nloja-a,2001,3,\n")
    )

    assert result.ok
    assert levels()[("loja-a", "2001")] == (3, 0, Decimal("6.0"), "csv")


def test_import_without_lead_time_column(stores):
    result = stock_csv_import(
        file=csv_file("location_code,sku_id,quantity\nloja-b,9000,5\n")
    )

    assert result.ok
    assert levels() == {("loja-b", "9000"): (5, 0, Decimal("0.0"), "csv")}


def test_import_reads_excel_semicolons_bom_and_crlf(stores):
    text = (
        "\ufefflocation_code;sku_id;quantity;lead_time_hours\r\n"
        "loja-a;2001;4;1,5\r\n"
        ";;;\r\n"
        "loja-b;2001;8;\r\n"
    )

    result = stock_csv_import(file=csv_file(text))

    assert result.ok
    assert result.rows_imported == 2
    assert levels() == {
        ("loja-a", "2001"): (4, 0, Decimal("1.5"), "csv"),
        ("loja-b", "2001"): (8, 0, Decimal("0.0"), "csv"),
    }


def test_import_accepts_header_case_spaces_and_quotes(stores):
    text = ' Location_Code , SKU_ID ,"quantity"\n"loja-a"," 2001 ", 3 \n'

    result = stock_csv_import(file=csv_file(text))

    assert result.ok
    assert levels() == {("loja-a", "2001"): (3, 0, Decimal("0.0"), "csv")}


def test_import_records_given_source(stores):
    result = stock_csv_import(
        file=csv_file("location_code,sku_id,quantity\nloja-a,2001,3\n"), source="erp"
    )

    assert result.ok
    assert StockLevel.objects.get().source == "erp"
    assert StockSnapshot.objects.get().source == "erp"


def test_import_accepts_uploaded_file(stores):
    upload = SimpleUploadedFile(
        "estoque.csv", b"location_code,sku_id,quantity\nloja-a,2001,3\n"
    )

    result = stock_csv_import(file=upload)

    assert result.ok
    assert result.rows_imported == 1


# Bad files --------------------------------------------------------------------

HEADER = "location_code,sku_id,quantity,lead_time_hours\n"
WHOLE_NUMBER = (
    "The quantity must be a whole number of units, 0 or more, without "
    "separators, such as 1500."
)
LEAD_TIME_NUMBER = (
    "The lead time must be a number of hours, 0 or more, such as 4 or 2,5."
)

BAD_ROWS = {
    "unknown location": (
        "loja-x,2001,3,\n",
        [RowError(2, "location_code", "loja-x", "No location has the code loja-x.")],
    ),
    "missing location": (
        ",2001,3,\n",
        [RowError(2, "location_code", "", "The location code is missing.")],
    ),
    "empty sku": (
        "loja-a,  ,3,\n",
        [RowError(2, "sku_id", "", "The SKU is missing.")],
    ),
    "sku too long": (
        f"loja-a,{'9' * 41},3,\n",
        [RowError(2, "sku_id", "9" * 41, "The SKU is longer than 40 characters.")],
    ),
    "negative quantity": (
        "loja-a,2001,-1,\n",
        [RowError(2, "quantity", "-1", WHOLE_NUMBER)],
    ),
    "decimal quantity": (
        "loja-a,2001,2.5,\n",
        [RowError(2, "quantity", "2.5", WHOLE_NUMBER)],
    ),
    "quantity with thousands separator": (
        'loja-a,2001,"1.000",\n',
        [RowError(2, "quantity", "1.000", WHOLE_NUMBER)],
    ),
    "text quantity": (
        "loja-a,2001,dez,\n",
        [RowError(2, "quantity", "dez", WHOLE_NUMBER)],
    ),
    "missing quantity": (
        "loja-a,2001,,\n",
        [RowError(2, "quantity", "", "The quantity is missing.")],
    ),
    "quantity too large": (
        "loja-a,2001,2147483648,\n",
        [
            RowError(
                2,
                "quantity",
                "2147483648",
                "The quantity is larger than 2,147,483,647.",
            )
        ],
    ),
    "negative lead time": (
        "loja-a,2001,3,-2\n",
        [RowError(2, "lead_time_hours", "-2", LEAD_TIME_NUMBER)],
    ),
    "text lead time": (
        "loja-a,2001,3,duas horas\n",
        [RowError(2, "lead_time_hours", "duas horas", LEAD_TIME_NUMBER)],
    ),
    "lead time with two decimals": (
        'loja-a,2001,3,"2,25"\n',
        [
            RowError(
                2,
                "lead_time_hours",
                "2,25",
                "The lead time may have at most one decimal place, such as 2,5.",
            )
        ],
    ),
    "lead time too large": (
        "loja-a,2001,3,100000\n",
        [
            RowError(
                2,
                "lead_time_hours",
                "100000",
                "The lead time is larger than 99,999.9 hours.",
            )
        ],
    ),
    "duplicate location and sku": (
        "loja-a,2001,3,\nloja-b,2001,3,\nloja-a,2001,4,\n",
        [
            RowError(
                4,
                "sku_id",
                "2001",
                "Location loja-a and SKU 2001 already appear in row 2. Each "
                "location and SKU may appear only once.",
            )
        ],
    ),
    "row with a missing cell": (
        "loja-a,2001\n",
        [
            RowError(
                2,
                "quantity",
                "",
                "The row has 2 columns but the header has 4; quantity and the "
                "columns after it are missing.",
            )
        ],
    ),
    "row with an extra cell": (
        "loja-a,2001,3,,sobra,mais\n",
        [
            RowError(
                2,
                "",
                "sobra,mais",
                "The row has 6 columns but the header has 4. Remove the extra "
                "values or add their columns to the header.",
            )
        ],
    ),
}


@pytest.mark.parametrize("case", BAD_ROWS)
def test_import_rejects_bad_row(stores, case):
    stock_levels_set(rows=[StockRow(stores["b"].pk, "2001", 9)], source="vtex")
    before = counts()
    body, expected = BAD_ROWS[case]
    good_row = "loja-b,3107,5,\n"

    result = stock_csv_import(file=csv_file(HEADER + body + good_row))

    assert result.errors == expected
    assert not result.ok
    assert result.rows_imported == 0
    assert counts() == before
    assert levels()[("loja-b", "2001")] == (9, 0, Decimal("0.0"), "vtex")


def test_import_lists_every_error_of_every_row(stores):
    text = (
        "location_code;sku_id;quantity;lead_time_hours\n"
        "loja-a;2001;3;\n"
        "\n"
        "loja-x;;-3;x\n"
        "loja-b;2001;1,5;2\n"
    )

    result = stock_csv_import(file=csv_file(text))

    assert result.errors == [
        RowError(4, "location_code", "loja-x", "No location has the code loja-x."),
        RowError(4, "sku_id", "", "The SKU is missing."),
        RowError(4, "quantity", "-3", WHOLE_NUMBER),
        RowError(4, "lead_time_hours", "x", LEAD_TIME_NUMBER),
        RowError(5, "quantity", "1,5", WHOLE_NUMBER),
    ]
    assert counts() == (0, 0)


BAD_HEADERS = {
    "missing column": (
        "location_code,quantity\nloja-a,3\n",
        [
            RowError(
                1,
                "sku_id",
                "",
                f"Missing column sku_id. The header must be {HEADER_HELP}.",
            )
        ],
    ),
    "unknown column": (
        "location_code,sku_id,quantity,Preço\nloja-a,2001,3,10\n",
        [
            RowError(
                1,
                "preço",
                "Preço",
                f"Unknown column 'preço' in position 4. The header must be "
                f"{HEADER_HELP}.",
            )
        ],
    ),
    "repeated column": (
        "location_code,sku_id,quantity,sku_id\nloja-a,2001,3,2002\n",
        [
            RowError(
                1,
                "sku_id",
                "sku_id",
                "Column sku_id appears more than once in the header.",
            )
        ],
    ),
    "no header": (
        "loja-a,2001,3\n",
        [
            RowError(
                1,
                "loja-a",
                "loja-a",
                "Unknown column 'loja-a' in position 1. The header must be "
                f"{HEADER_HELP}.",
            ),
            RowError(
                1,
                "2001",
                "2001",
                "Unknown column '2001' in position 2. The header must be "
                f"{HEADER_HELP}.",
            ),
            RowError(
                1,
                "3",
                "3",
                f"Unknown column '3' in position 3. The header must be {HEADER_HELP}.",
            ),
            RowError(
                1,
                "location_code",
                "",
                f"Missing column location_code. The header must be {HEADER_HELP}.",
            ),
            RowError(
                1,
                "sku_id",
                "",
                f"Missing column sku_id. The header must be {HEADER_HELP}.",
            ),
            RowError(
                1,
                "quantity",
                "",
                f"Missing column quantity. The header must be {HEADER_HELP}.",
            ),
        ],
    ),
}


@pytest.mark.parametrize("case", BAD_HEADERS)
def test_import_rejects_bad_header(stores, case):
    text, expected = BAD_HEADERS[case]

    result = stock_csv_import(file=csv_file(text + "loja-b,2001,3\n"))

    assert result.errors == expected
    assert counts() == (0, 0)


EMPTY_FILE = f"The file is empty. Its first row must be the header {HEADER_HELP}."


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", RowError(None, "", "", EMPTY_FILE)),
        (b"\xef\xbb\xbf", RowError(None, "", "", EMPTY_FILE)),
        (b" \r\n\r\n", RowError(None, "", "", EMPTY_FILE)),
        (
            b"location_code,sku_id,quantity\r\n,,\r\n",
            RowError(None, "", "", "The file has a header but no data rows."),
        ),
    ],
    ids=["no bytes", "only a byte order mark", "blank lines", "header only"],
)
def test_import_rejects_empty_file(stores, data, expected):
    result = stock_csv_import(file=io.BytesIO(data))

    assert result.errors == [expected]
    assert counts() == (0, 0)


def test_import_rejects_latin1_file(stores):
    text = "location_code;sku_id;quantity\nloja-a;2001;3\nloja-a;Café;3\n"

    result = stock_csv_import(file=csv_file(text, encoding="latin-1"))

    position = text.index("é") + 1
    assert result.errors == [
        RowError(
            3,
            "",
            "0xE9",
            f"The file is not UTF-8 text: byte 0xE9 at position {position} "
            'cannot be read. In Excel, save it as "CSV UTF-8".',
        )
    ]
    assert counts() == (0, 0)


def test_import_rejects_unbalanced_quotes(stores):
    text = 'location_code,sku_id,quantity\nloja-a,2001,3\nloja-a,"20"02,3\n'

    result = stock_csv_import(file=csv_file(text))

    assert result.errors == [
        RowError(
            3,
            "",
            "",
            "The row cannot be read as CSV (',' expected after '\"'). Check its "
            "quotation marks.",
        )
    ]
    assert counts() == (0, 0)


def test_import_rejects_file_over_5_mb(stores):
    limit = 5 * 1024 * 1024
    rows = b"loja-a,2001,3\n" * (limit // 14 + 1)
    data = (b"location_code,sku_id,quantity\n" + rows)[: limit + 1]

    result = stock_csv_import(file=io.BytesIO(data))

    assert len(data) == limit + 1
    assert result.errors == [
        RowError(
            None, "", "", "The file is larger than 5 MB. Split it into smaller files."
        )
    ]
    assert counts() == (0, 0)


def test_import_rejects_upload_by_declared_size(stores):
    upload = SimpleUploadedFile("estoque.csv", b"location_code,sku_id,quantity\n")
    upload.size = 5 * 1024 * 1024 + 1

    result = stock_csv_import(file=upload)

    assert result.errors == [
        RowError(
            None, "", "", "The file is larger than 5 MB. Split it into smaller files."
        )
    ]


def test_import_rejects_more_than_200000_rows(stores):
    rows = "".join(f"loja-a,{n},1\n" for n in range(200_001))

    result = stock_csv_import(file=csv_file("location_code,sku_id,quantity\n" + rows))

    assert result.errors == [
        RowError(
            200_002,
            "",
            "",
            "The file has more than 200,000 data rows. Split it into smaller files.",
        )
    ]
    assert counts() == (0, 0)


def test_import_accepts_rows_up_to_limit(stores, monkeypatch):
    # The real limit is checked above. Importing 200,000 rows takes half a
    # minute on SQLite, so a lower limit replaces it here.
    monkeypatch.setattr(stock_import, "MAX_DATA_ROWS", 3)
    rows = "loja-a,1,1\n,,\nloja-a,2,1\nloja-a,3,1\n"

    accepted = stock_csv_import(file=csv_file("location_code,sku_id,quantity\n" + rows))
    rejected = stock_csv_import(
        file=csv_file("location_code,sku_id,quantity\n" + rows + "loja-b,4,1\n")
    )

    assert accepted.ok
    assert counts() == (3, 3)
    assert rejected.errors == [
        RowError(
            6,
            "",
            "",
            "The file has more than 3 data rows. Split it into smaller files.",
        )
    ]


def test_import_errors_in_portuguese(stores):
    with translation.override("pt-br"):
        result = stock_csv_import(
            file=csv_file("location_code,sku_id,quantity\nloja-a,2001,2147483648\n")
        )

    assert result.errors[0].row == 2
    assert "2.147.483.647" in result.errors[0].reason


# Upload page ------------------------------------------------------------------


def upload(client, text: str, name: str = "estoque.csv"):
    file = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    return client.post(UPLOAD_URL, {"file": file}, HTTP_ACCEPT_LANGUAGE="en")


def test_upload_page_shows_form_to_hq(client, hq_user):
    log_in(client, hq_user)

    response = client.get(UPLOAD_URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert 'type="file"' in content
    assert "lead_time_hours" in content


def test_upload_page_imports_good_file(client, hq_user, stores):
    log_in(client, hq_user)

    response = upload(client, "location_code;sku_id;quantity\nloja-a;2001;4\n")

    assert response.status_code == 302
    assert response.url == reverse("routing_stock:upload")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Imported 1 stock row: 1 location, 1 SKU."
    ]
    assert levels() == {("loja-a", "2001"): (4, 0, Decimal("0.0"), "csv")}
    assert StockSnapshot.objects.count() == 1


def test_upload_page_shows_every_error(client, hq_user, stores):
    log_in(client, hq_user)

    response = upload(
        client, "location_code,sku_id,quantity\nloja-a,2001,3\nloja-x,,-1\n"
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "The file has 3 errors, so nothing was imported." in content
    for value in ("loja-x", "location_code", "sku_id", "quantity", "-1"):
        assert f"<code>{value}</code>" in content
    for reason in (
        "No location has the code loja-x.",
        "The SKU is missing.",
        WHOLE_NUMBER,
    ):
        assert reason in content
    assert content.count('<td class="number">3</td>') == 3
    assert counts() == (0, 0)


def test_upload_page_caps_listed_errors(client, hq_user, stores):
    log_in(client, hq_user)
    rows = "".join(f"loja-x,{n},1\n" for n in range(MAX_SHOWN_ERRORS + 5))

    response = upload(client, "location_code,sku_id,quantity\n" + rows)

    content = response.content.decode()
    assert f"The file has {MAX_SHOWN_ERRORS + 5} errors" in content
    assert content.count("No location has the code loja-x.") == MAX_SHOWN_ERRORS
    assert "5 more errors are not shown." in content
    assert counts() == (0, 0)


def test_upload_page_requires_a_file(client, hq_user):
    log_in(client, hq_user)

    response = client.post(UPLOAD_URL, {}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_upload_page_is_404_for_store_manager(client, manager_a, store_b):
    log_in(client, manager_a)

    page = client.get(UPLOAD_URL)
    post = upload(client, "location_code,sku_id,quantity\nloja-a,2001,4\n")

    assert page.status_code == 404
    assert post.status_code == 404
    assert counts() == (0, 0)


def test_upload_page_sends_anonymous_user_to_login(client):
    response = client.get(UPLOAD_URL)

    assert response.status_code == 302
    assert response.url.startswith("/login/")


# Admin page -------------------------------------------------------------------


@pytest.fixture
def hq_staff(hq_user):
    hq_user.is_staff = True
    hq_user.save()
    hq_user.user_permissions.add(
        Permission.objects.get(codename="change_stocklevel"),
        Permission.objects.get(codename="view_stocklevel"),
    )
    return hq_user


def test_admin_stock_list_links_to_import(client, hq_staff):
    log_in(client, hq_staff)

    response = client.get(ADMIN_CHANGELIST_URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert f'href="{ADMIN_IMPORT_URL}"' in response.content.decode()
    assert ">Import CSV<" in response.content.decode()


def test_admin_import_sets_stock(client, hq_staff, stores):
    log_in(client, hq_staff)
    file = SimpleUploadedFile(
        "estoque.csv", b"location_code,sku_id,quantity\nloja-b,2001,6\n"
    )

    response = client.post(ADMIN_IMPORT_URL, {"file": file}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302
    assert response.url == ADMIN_CHANGELIST_URL
    assert levels() == {("loja-b", "2001"): (6, 0, Decimal("0.0"), "csv")}


def test_admin_import_shows_errors(client, hq_staff, stores):
    log_in(client, hq_staff)
    file = SimpleUploadedFile(
        "estoque.csv", b"location_code,sku_id,quantity\nloja-b,2001,x\n"
    )

    response = client.post(ADMIN_IMPORT_URL, {"file": file}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    content = response.content.decode()
    assert "The file has 1 error, so nothing was imported." in content
    assert WHOLE_NUMBER in content
    assert counts() == (0, 0)


def test_admin_import_needs_change_permission(client):
    # HQ finance may view stock levels in the admin but not change them.
    finance = UserFactory(username="financeiro", is_staff=True)
    MembershipFactory(user=finance, role=Membership.Role.HQ_FINANCE, location=None)
    finance.user_permissions.add(Permission.objects.get(codename="view_stocklevel"))
    log_in(client, finance)

    response = client.get(ADMIN_IMPORT_URL)

    assert response.status_code == 403


def test_admin_import_needs_hq_role(client, manager_a):
    manager_a.is_staff = True
    manager_a.save()
    manager_a.user_permissions.add(Permission.objects.get(codename="change_stocklevel"))
    log_in(client, manager_a)

    response = client.get(ADMIN_IMPORT_URL)

    assert response.status_code == 403
