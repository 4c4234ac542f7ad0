# FastAPI + Starlette CORSMiddleware on uvicorn, the lab's FastAPI app. The named slots are filled per scenario.
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI()

# --- the app's CORS setup ---
{{app_cors}}
# --- other middleware ---
{{app_middleware}}


@app.get("/api/items")
@app.put("/api/items")
@app.delete("/api/items")
@app.post("/api/items")
async def items(request: Request):
    return {"ok": True, "method": request.method}


@app.get("/api/private")
async def private(request: Request):
    if not request.headers.get("authorization"):
        return JSONResponse({"error": "unauthorized"}, status_code=401)
    return {"ok": True}
