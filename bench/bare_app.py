"""A bare Flask app that renders static templates, the yardstick for bench/portal.py."""

import os

from flask import Flask, render_template

app = Flask(__name__, template_folder=os.environ["BARE_TEMPLATES"])


@app.get("/<name>")
def page(name):
    return render_template(f"{name}.html")
