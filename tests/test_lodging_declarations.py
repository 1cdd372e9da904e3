"""Police residence declarations: the payload, delivery against a real local HTTP server, the manager's page."""

import json
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug import Response

from tests.conftest import csrf_token, guest, vietnamese_guest
from tourism.core.database import utcnow
from tourism.extensions import db
from tourism.lodging import declarations, services
from tourism.lodging.models import Declaration


def day(offset: int = 0):
    """Yesterday plus `offset` days: check-in records arrivals, so none is later than tomorrow."""
    return services.today() + timedelta(days=offset - 1)


@pytest.fixture
def outbox(app, ctx):
    """An outbox holding only this test's declarations, and the app's delivery settings restored afterwards."""
    saved = {key: app.config.get(key) for key in (
        "DECLARATION_URL", "DECLARATION_TOKEN", "DECLARATION_TIMEOUT", "DECLARATION_MAX_ATTEMPTS")}
    db.session.execute(sa.update(Declaration).where(Declaration.status == "pending").values(status="sent"))
    db.session.commit()
    yield app.config
    app.config.update(saved)


@pytest.fixture
def police(outbox, httpserver):
    """The police endpoint: a real HTTP server on 127.0.0.1."""
    outbox.update(
        DECLARATION_URL=httpserver.url_for("/").rstrip("/"),
        DECLARATION_TOKEN="police-test-token",
        DECLARATION_TIMEOUT=2,
        DECLARATION_MAX_ATTEMPTS=4,
    )
    return httpserver


def declared(establishment, room="101", guests=None, arrival_offset=0):
    stay = services.check_in_one(establishment, room, day(arrival_offset), day(arrival_offset + 2),
                                 guests or [guest(), {**vietnamese_guest(), "residence_country": "JP"}])
    return db.session.scalar(sa.select(Declaration).where(Declaration.stay_id == stay.id))


def reload(declaration) -> Declaration:
    db.session.expire_all()
    return db.session.get(Declaration, declaration.id)


def test_build_payload_carries_the_residence_law_fields(ctx, establishment):
    declaration = declared(establishment)
    payload = json.loads(json.dumps(declarations.build_payload(declaration)))
    assert payload["establishment"]["name"] == "Đồi Thông Homestay"
    assert payload["establishment"]["licence_number"] == "68-HS-0142"
    assert payload["establishment"]["address"].startswith("18 Hoàng Hoa Thám")
    assert payload["establishment"]["area"]
    assert payload["stay"]["room"] == "101"
    assert payload["stay"]["arrival"] == day().isoformat()
    assert payload["stay"]["planned_departure"] == day(2).isoformat()
    first, second = payload["guests"]
    assert first == {
        "full_name": "Kim Min-ji", "birth_date": "1990-05-01", "sex": "F", "nationality": "KR",
        "document_type": "passport", "document_number": "M12345678", "residence_country": "KR", "purpose": "leisure",
    }
    assert second["document_number"] == "079190001234" and second["document_type"] == "national_id"
    assert second["nationality"] == "VN" and second["residence_country"] == "JP"


def test_success_sends_the_full_declaration_with_its_key(police, establishment):
    declaration = declared(establishment)
    police.expect_oneshot_request("/declarations", method="POST").respond_with_json({"reference": "CA-2026-0001"})
    result = declarations.send_pending()
    assert (result.sent, result.retrying, result.failed) == (1, 0, 0)
    request, _response = police.log[0]
    assert request.headers["Idempotency-Key"] == declaration.idempotency_key
    assert request.headers["Authorization"] == "Bearer police-test-token"
    body = json.loads(request.get_data())
    assert body["guests"][0]["document_number"] == "M12345678"
    assert body["guests"][1]["document_number"] == "079190001234"
    assert body["guests"][0]["full_name"] == "Kim Min-ji" and body["stay"]["room"] == "101"
    stored = reload(declaration)
    assert stored.status == "sent" and stored.reference == "CA-2026-0001" and stored.sent_at is not None
    assert stored.attempts == 1 and stored.last_error == ""
    # Sent is final: the next run sends nothing.
    assert declarations.send_pending().attempted == 0
    assert len(police.log) == 1


def test_server_error_is_retried_later_with_the_same_key(police, establishment):
    declaration = declared(establishment)
    police.expect_ordered_request("/declarations", method="POST").respond_with_data("oops", status=500)
    police.expect_ordered_request("/declarations", method="POST").respond_with_json({"reference": "R-2"}, status=201)
    start = utcnow()
    result = declarations.send_pending(now=start)
    assert (result.sent, result.retrying) == (0, 1)
    stored = reload(declaration)
    assert stored.status == "pending" and stored.attempts == 1 and stored.last_error == "HTTP 500"
    assert abs((stored.next_attempt_at - (start + timedelta(minutes=1))).total_seconds()) < 1
    # Not due yet: nothing is sent.
    assert declarations.send_pending(now=start + timedelta(seconds=30)).attempted == 0
    assert len(police.log) == 1
    result = declarations.send_pending(now=start + timedelta(minutes=1, seconds=1))
    assert result.sent == 1
    stored = reload(declaration)
    assert stored.status == "sent" and stored.reference == "R-2" and stored.attempts == 2
    keys = [request.headers["Idempotency-Key"] for request, _ in police.log]
    assert keys == [declaration.idempotency_key] * 2


def test_backoff_doubles_up_to_a_cap():
    assert [declarations.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4, 5)] == [1, 2, 4, 8, 16]
    assert declarations.backoff(30) == timedelta(minutes=declarations.BACKOFF_MINUTES_CAP)


def test_timeout_is_retried(police, outbox, establishment):
    declaration = declared(establishment)

    def slow(_request):
        time.sleep(0.6)
        return Response(json.dumps({"reference": "late"}), status=200, content_type="application/json")

    police.expect_oneshot_request("/declarations", method="POST").respond_with_handler(slow)
    outbox["DECLARATION_TIMEOUT"] = 0.2
    started = time.monotonic()
    result = declarations.send_pending()
    assert time.monotonic() - started < 0.6
    assert (result.sent, result.retrying) == (0, 1)
    stored = reload(declaration)
    assert stored.status == "pending" and stored.last_error == "timeout" and stored.attempts == 1


def test_garbage_answer_is_not_taken_as_sent(police, establishment):
    declaration = declared(establishment)
    police.expect_ordered_request("/declarations", method="POST").respond_with_data(
        "<html>Service Unavailable</html>", status=200, content_type="text/html")
    police.expect_ordered_request("/declarations", method="POST").respond_with_json({"status": "ok"})
    start = utcnow()
    assert declarations.send_pending(now=start).retrying == 1
    stored = reload(declaration)
    assert stored.status == "pending" and "not JSON" in stored.last_error
    assert declarations.send_pending(now=start + timedelta(minutes=5)).retrying == 1
    stored = reload(declaration)
    assert stored.status == "pending" and "without a reference" in stored.last_error and stored.attempts == 2
    assert abs((stored.next_attempt_at - (start + timedelta(minutes=7))).total_seconds()) < 1


def test_refusal_fails_permanently_without_personal_data_in_the_error(police, establishment):
    declaration = declared(establishment)
    police.expect_request("/declarations", method="POST").respond_with_json(
        {"error": {"code": "invalid_document", "message": "Kim Min-ji M12345678 is not valid"}}, status=400)
    result = declarations.send_pending()
    assert (result.sent, result.retrying, result.failed) == (0, 0, 1)
    stored = reload(declaration)
    assert stored.status == "failed" and stored.attempts == 1
    assert stored.last_error == "HTTP 400 invalid_document"
    assert "M12345678" not in stored.last_error and "Kim" not in stored.last_error
    # Failed is permanent: later runs leave it alone.
    assert declarations.send_pending(now=utcnow() + timedelta(days=1)).attempted == 0
    assert len(police.log) == 1


@pytest.mark.parametrize("status", [408, 409, 429])
def test_busy_answers_are_retried_not_refused(police, establishment, status):
    declaration = declared(establishment)
    police.expect_request("/declarations", method="POST").respond_with_data("slow down", status=status)
    assert declarations.send_pending().retrying == 1
    stored = reload(declaration)
    assert stored.status == "pending" and stored.last_error == f"HTTP {status}"


@pytest.mark.parametrize("status", [401, 403, 404, 422])
def test_other_client_errors_fail_at_once(police, establishment, status):
    declaration = declared(establishment)
    police.expect_request("/declarations", method="POST").respond_with_data("no", status=status)
    assert declarations.send_pending().failed == 1
    assert reload(declaration).status == "failed"


def test_gives_up_after_max_attempts(police, establishment):
    declaration = declared(establishment)
    police.expect_request("/declarations", method="POST").respond_with_data("down", status=503)
    moment = utcnow()
    outcomes = []
    for _ in range(4):
        result = declarations.send_pending(now=moment)
        outcomes.append((result.retrying, result.failed))
        moment += timedelta(hours=2)
    assert outcomes == [(1, 0), (1, 0), (1, 0), (0, 1)]
    stored = reload(declaration)
    assert stored.status == "failed" and stored.attempts == 4 and "HTTP 503" in stored.last_error
    assert declarations.send_pending(now=moment).attempted == 0
    assert len(police.log) == 4
    assert {request.headers["Idempotency-Key"] for request, _ in police.log} == {declaration.idempotency_key}


def test_unreachable_server_is_retried(outbox, establishment):
    declaration = declared(establishment)
    outbox.update(DECLARATION_URL="http://127.0.0.1:9", DECLARATION_TIMEOUT=2, DECLARATION_MAX_ATTEMPTS=4)
    assert declarations.send_pending().retrying == 1
    assert reload(declaration).last_error == "connection error"


def test_one_failure_does_not_block_the_others(police, establishment, other_establishment):
    first = declared(establishment, "101")
    second = declared(other_establishment, "A01")
    failing_key = first.idempotency_key

    def answer(request):
        if request.headers["Idempotency-Key"] == failing_key:
            return Response("boom", status=500)
        return Response(json.dumps({"reference": "OK-2"}), status=200, content_type="application/json")

    police.expect_request("/declarations", method="POST").respond_with_handler(answer)
    result = declarations.send_pending()
    assert (result.sent, result.retrying) == (1, 1)
    assert reload(first).status == "pending" and reload(second).status == "sent"


def test_unset_url_sends_nothing(outbox, establishment, app):
    declaration = declared(establishment)
    outbox["DECLARATION_URL"] = ""
    result = declarations.send_pending()
    assert not result.configured and result.attempted == 0
    stored = reload(declaration)
    assert stored.status == "pending" and stored.attempts == 0
    output = app.test_cli_runner().invoke(args=["lodging", "send-declarations"])
    assert output.exit_code == 0 and "DECLARATION_URL is not set" in output.output


def test_cli_prints_the_counts(police, establishment, app):
    declared(establishment)
    police.expect_request("/declarations", method="POST").respond_with_json({"reference": "CLI-1"})
    output = app.test_cli_runner().invoke(args=["lodging", "send-declarations"])
    assert output.exit_code == 0, output.output
    assert "1 sent, 0 to retry later, 0 failed permanently" in output.output


# -- the manager's page ----------------------------------------------------------------------

def test_page_lists_statuses_and_highlights_overdue(outbox, establishment, other_establishment, sign_in_as):
    overdue = declared(establishment, "101", arrival_offset=0)
    sent = declared(establishment, "102", [guest(full_name="Sent Guest", document_number="M55555555")])
    failed = declared(establishment, "103", [guest(full_name="Failed Guest", document_number="M66666666")])
    theirs = declared(other_establishment, "A01", [guest(full_name="Other Hotel Guest", document_number="M77777777")])
    overdue.deadline = utcnow() - timedelta(hours=1)
    sent.status, sent.reference, sent.sent_at = "sent", "REF-SENT-1", utcnow()
    failed.status, failed.last_error, failed.deadline = "failed", "HTTP 400", utcnow() + timedelta(hours=3)
    theirs.deadline = utcnow() - timedelta(hours=5)
    db.session.commit()
    client = sign_in_as("lodging_manager")
    page = client.get("/en/lodging/declarations/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "1 declaration is overdue." in html
    assert html.count("declaration-overdue") == 1 and "Overdue" in html
    assert "REF-SENT-1" in html and "Failed Guest" in html and "Kim Min-ji" in html
    assert "Other Hotel Guest" not in html
    assert f"/declarations/{failed.id}/retry" in html and f"/declarations/{sent.id}/retry" not in html
    only_failed = client.get("/en/lodging/declarations/?status=failed").get_data(as_text=True)
    assert "Failed Guest" in only_failed and "REF-SENT-1" not in only_failed
    only_overdue = client.get("/en/lodging/declarations/?status=overdue").get_data(as_text=True)
    assert "Kim Min-ji" in only_overdue and "Failed Guest" not in only_overdue
    assert client.get("/en/lodging/declarations/?status=nonsense").status_code == 200


def test_manager_retries_a_failed_declaration(outbox, establishment, other_establishment, sign_in_as):
    failed = declared(establishment)
    failed.status, failed.attempts, failed.next_attempt_at = "failed", 8, utcnow() - timedelta(days=1)
    theirs = declared(other_establishment, "A01")
    theirs.status = "failed"
    db.session.commit()
    client = sign_in_as("lodging_manager")
    token = csrf_token(client, "/en/lodging/declarations/")
    response = client.post(f"/en/lodging/declarations/{failed.id}/retry", data={"csrf_token": token})
    assert response.status_code == 302
    stored = reload(failed)
    assert stored.status == "pending" and stored.attempts == 0
    assert abs((stored.next_attempt_at - utcnow()).total_seconds()) < 60
    # Another establishment's declaration looks exactly like a missing one.
    assert client.post(f"/en/lodging/declarations/{theirs.id}/retry", data={"csrf_token": token}).status_code == 404
    assert client.post("/en/lodging/declarations/99999999/retry", data={"csrf_token": token}).status_code == 404
    assert reload(theirs).status == "failed"
    # A pending one cannot be "retried" again.
    again = client.post(f"/en/lodging/declarations/{failed.id}/retry", data={"csrf_token": token},
                        follow_redirects=True)
    assert "Only a failed declaration can be sent again." in again.get_data(as_text=True)


def test_staff_sees_but_cannot_retry(outbox, establishment, sign_in_as):
    failed = declared(establishment)
    failed.status = "failed"
    db.session.commit()
    client = sign_in_as("lodging_staff")
    html = client.get("/en/lodging/declarations/").get_data(as_text=True)
    assert "Kim Min-ji" in html and "/retry" not in html
    token = csrf_token(client, "/en/account/")
    assert client.post(f"/en/lodging/declarations/{failed.id}/retry", data={"csrf_token": token}).status_code == 403
    assert reload(failed).status == "failed"


def test_page_filters_by_arrival_date(outbox, establishment, sign_in_as):
    declared(establishment, "101", [guest(full_name="Yesterday Guest")], arrival_offset=0)
    declared(establishment, "102", [guest(full_name="Today Guest", document_number="M88888888")], arrival_offset=1)
    client = sign_in_as("lodging_staff")
    today = day(1).isoformat()
    html = client.get(f"/en/lodging/declarations/?since={today}").get_data(as_text=True)
    assert "Today Guest" in html and "Yesterday Guest" not in html
    html = client.get(f"/en/lodging/declarations/?until={day(0).isoformat()}").get_data(as_text=True)
    assert "Yesterday Guest" in html and "Today Guest" not in html
    bad = client.get("/en/lodging/declarations/?since=2026-02-30&until=nonsense")
    assert bad.status_code == 200
    html = bad.get_data(as_text=True)
    assert "is not a date" in html and "Today Guest" in html and "Yesterday Guest" in html
