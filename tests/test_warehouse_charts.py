"""The chart macros: a canvas and its JSON block, and Chart.js served by the app itself."""

import json
import re

from flask import render_template_string

from tourism.warehouse.regions import region_label

PAGE = '{% from "warehouse/_charts.html" import chart, chart_assets %}{{ chart(id, data, label) }}{{ chart_assets() }}'
SCRIPT_SRC = re.compile(r'<script defer src="([^"]+)"></script>')


def _render(app, data, label="Guests by month", chart_id="guests-chart"):
    with app.test_request_context("/vi/"):
        return render_template_string(PAGE, id=chart_id, data=data, label=label)


def test_chart_renders_a_labelled_canvas_and_its_data(app):
    data = {"type": "line", "labels": ["T1", "T2"], "datasets": [{"label": "2025", "data": [1, 2]},
            {"label": "2024", "data": [1, None], "dashed": True}], "percent": False, "locale": "vi"}
    html = _render(app, data)
    canvas = re.search(r"<canvas [^>]*>", html).group(0)
    assert 'data-chart="guests-chart"' in canvas and 'role="img"' in canvas
    assert 'data-label="Guests by month"' in canvas and 'aria-label="Guests by month"' in canvas
    block = re.search(r'<script type="application/json" id="guests-chart">(.*?)</script>', html, re.S)
    assert json.loads(block.group(1)) == data


def test_labels_cannot_break_out_of_the_json_block_or_the_attributes(app):
    data = {"type": "bar", "labels": ["</script><script>alert(1)</script>", region_label("Europe")],
            "datasets": [{"label": "x", "data": [1, 2]}]}
    html = _render(app, data, label='"><b>')
    assert "<script>" not in html and "<b>" not in html
    block = re.search(r'<script type="application/json" id="guests-chart">(.*?)</script>', html, re.S)
    # The lazy label is rendered in the page's language (a /vi/ page).
    assert json.loads(block.group(1))["labels"] == ["</script><script>alert(1)</script>", "Châu Âu"]


def test_chart_assets_come_from_this_site_chart_js_first(app, client):
    html = _render(app, {"type": "bar", "labels": [], "datasets": []})
    sources = SCRIPT_SRC.findall(html)
    assert len(sources) == 2
    assert re.fullmatch(r"/static/vendor/chartjs/4\.\d+\.\d+/chart\.umd\.min\.js", sources[0])
    assert sources[1] == "/static/js/charts.js"
    for source in sources:
        response = client.get(source)
        assert response.status_code == 200
        assert "javascript" in response.mimetype
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    vendored = client.get(sources[0]).get_data(as_text=True)
    assert vendored.startswith("/*!\n * Chart.js v4.")
    assert "require(" not in vendored and "eval(" not in vendored  # one self-contained file
