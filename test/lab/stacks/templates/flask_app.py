# Flask + Flask-CORS, the lab's Flask app. The named slots are filled per scenario.
import os

from flask import Flask, abort, jsonify, request

app = Flask(__name__)

# --- the app's CORS setup ---
{{app_cors}}


# Preflights carry no credentials: an auth check that runs on every request answers them 401.
def require_auth():
    {{auth_guard}}
    if not request.headers.get("Authorization"):
        abort(401)


# --- other middleware (auth, …) ---
{{app_middleware}}


@app.route("/api/items", methods=["GET", "PUT", "POST", "DELETE"])
def items():
    return jsonify(ok=True, method=request.method)


@app.route("/api/private")
def private():
    require_auth()
    return jsonify(ok=True)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
