"""The serving benchmark's peer: what a user might run instead of ctrain's model server. A FastAPI
app on uvicorn (one process, one worker) that checks each posted row with pydantic models built
from ctrain's feature transform (the checks of features/serving-row.ts), computes the features as
features/transform.ts applyTransform does, and scores them with the same MLP in PyTorch on one
core.

    python serve_fastapi.py <network.json> <transform.json>

network.json is bench/support/network-json.ts's networkJson (dense layers: kernel inputs x units,
bias, activation); transform.json is the version's FeatureTransform artifact. Prints one line,
`listening on http://127.0.0.1:<port>`, once it accepts connections; runs until SIGTERM.
POST /v1/models/{model}/predict with {"row": {...}} or {"rows": [{...}, ...]} (1..10000 rows)
answers {"model": ..., "predictions": [{"score": ...}, ...]}, or 400 listing each problem."""
import json
import math
import re
import sys
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Optional, Union

import numpy as np
import torch
import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict, create_model, model_validator

MAX_ROWS = 10_000
MAX_DEVIATIONS = 1000  # ctrain's default out-of-range rule: refuse numbers past 1000 training std from the mean
FLOAT32_MAX = 3.4028234663852886e38
MAX_EPOCH_MS = 8.64e15  # a JavaScript Date's range; past it ctrain's time parts are NaN
ISO_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# --- Reading values as ctrain does (features/values.ts, features/time.ts) ---------------------

def empty_is_missing(value: Any) -> Any:
    """ctrain reads an empty string as a missing value, like null."""
    return None if value == "" else value


def category_text(value: Any) -> Any:
    """Numbers and booleans are categories by their JavaScript text (1.0 -> "1", true -> "true")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    return value


def epoch_ms(value: Union[float, str, None]) -> Optional[float]:
    """A time as epoch milliseconds: numbers as they are, ISO 8601 strings parsed (zone-less ones as UTC)."""
    if value is None or isinstance(value, float):
        return value
    match = ISO_TIME.fullmatch(value)
    if not match:
        raise ValueError("must be an ISO 8601 date-time or epoch milliseconds")
    date, time, zone = match.groups()
    try:
        parsed = datetime.fromisoformat(f"{date}T{time or '00:00'}{zone or ''}")
    except ValueError:
        raise ValueError("must be an ISO 8601 date-time or epoch milliseconds") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return float((parsed - EPOCH) // timedelta(milliseconds=1))


Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]


def numeric_type(mean: float, std: float) -> Any:
    low = max(mean - MAX_DEVIATIONS * std, -FLOAT32_MAX)
    high = min(mean + MAX_DEVIATIONS * std, FLOAT32_MAX)
    return Annotated[Optional[Annotated[Number, Field(ge=low, le=high)]], BeforeValidator(empty_is_missing)]


TimeValue = Annotated[Optional[Union[Number, Annotated[str, Strict()]]], BeforeValidator(empty_is_missing), AfterValidator(epoch_ms)]
CategoryValue = Annotated[Optional[Annotated[str, Strict()]], BeforeValidator(empty_is_missing), BeforeValidator(category_text)]


# --- The model ---------------------------------------------------------------------------------

def build_network(network: dict[str, Any]) -> torch.nn.Sequential:
    activations = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "linear": torch.nn.Identity}
    modules: list[torch.nn.Module] = []
    for layer in network["layers"]:
        kernel = torch.tensor(layer["kernel"], dtype=torch.float32)  # inputs x units
        linear = torch.nn.Linear(kernel.shape[0], kernel.shape[1])
        with torch.no_grad():
            linear.weight.copy_(kernel.T)
            linear.bias.copy_(torch.tensor(layer["bias"], dtype=torch.float32))
        modules += [linear, activations[layer["activation"]]()]
    return torch.nn.Sequential(*modules).eval()


# --- The app -------------------------------------------------------------------------------------

def build_app(network: dict[str, Any], transform: dict[str, Any]) -> FastAPI:
    numeric: list[dict[str, Any]] = transform["numeric"]
    categorical: list[dict[str, Any]] = transform["categorical"]
    time_columns = {f["column"] for f in numeric if f.get("timePart")}

    # One field per input column (its alias), required: null stands for an unknown value.
    fields: dict[str, Any] = {}
    for feature in numeric:
        column = feature["column"]
        kind = TimeValue if column in time_columns else numeric_type(feature["mean"], feature["std"])
        fields.setdefault(column, kind)
    for feature in categorical:
        fields.setdefault(feature["column"], CategoryValue)
    field_of = {column: f"c{i}" for i, column in enumerate(fields)}
    Row = create_model(
        "Row",
        __config__=ConfigDict(extra="ignore"),  # other fields (ids, the label) are ignored
        **{field_of[column]: (kind, Field(alias=column)) for column, kind in fields.items()},
    )

    class PredictBody(BaseModel):
        model_config = ConfigDict(extra="forbid")
        row: Optional[Row] = None  # type: ignore[valid-type]
        rows: Optional[list[Row]] = Field(None, min_length=1, max_length=MAX_ROWS)  # type: ignore[valid-type]

        @model_validator(mode="after")
        def one_of_row_and_rows(self) -> "PredictBody":
            if (self.row is None) == (self.rows is None):
                raise ValueError('body must have exactly one of "rows" and "row"')
            return self

    model = build_network(network)
    width = len(numeric) + sum(len(f["vocabulary"]) + 1 for f in categorical)
    vocabularies = [{value: i for i, value in enumerate(f["vocabulary"])} for f in categorical]

    def features_of(rows: list[BaseModel]) -> np.ndarray:
        """applyTransform for every row: standardised numbers (missing ones imputed), then one-hot blocks."""
        n = len(rows)
        features = np.zeros((n, width), dtype=np.float32)
        columns: dict[str, np.ndarray] = {}
        for slot, feature in enumerate(numeric):
            column = feature["column"]
            if column not in columns:
                columns[column] = np.array([getattr(r, field_of[column]) for r in rows], dtype=np.float64)  # None -> nan
            values = columns[column]
            if feature.get("timePart"):
                values = time_part(values, feature["timePart"])
            values = np.where(np.isnan(values), feature["impute"], values)
            features[:, slot] = (values - feature["mean"]) / feature["std"]
        slot = len(numeric)
        for feature, vocabulary in zip(categorical, vocabularies):
            oov = len(feature["vocabulary"])
            name = field_of[feature["column"]]
            index = np.array([vocabulary.get(getattr(r, name), oov) for r in rows])
            features[np.arange(n), slot + index] = 1
            slot += oov + 1
        return features

    app = FastAPI()

    @app.post("/v1/models/{model_name}/predict")
    async def predict(model_name: str, body: PredictBody) -> dict[str, Any]:
        rows = body.rows if body.rows is not None else [body.row]
        with torch.inference_mode():
            scores = model(torch.from_numpy(features_of(rows)))[:, 0].numpy()
        return {"model": model_name, "predictions": [{"score": score} for score in scores.tolist()]}

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [problem(e["loc"], e["msg"]) for e in error.errors()]
        invalid_rows = len({p["row"] for p in problems if p["row"] is not None})
        message = f"{invalid_rows} rows are invalid" if invalid_rows else "invalid request body"
        return JSONResponse(status_code=400, content={"error": "invalid_input", "message": message, "problems": problems})

    return app


def time_part(ms: np.ndarray, part: str) -> np.ndarray:
    """A calendar part in UTC (hour 0-23, dayOfWeek 0=Sunday..6, dayOfMonth 1-31, month 1-12); nan stays nan."""
    usable = np.isfinite(ms) & (np.abs(ms) <= MAX_EPOCH_MS)
    instants = np.where(usable, np.trunc(np.where(usable, ms, 0)), 0).astype(np.int64).astype("datetime64[ms]")
    days = instants.astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    if part == "hour":
        values = (instants - days).astype("timedelta64[h]").astype(np.int64)
    elif part == "dayOfWeek":
        values = (days.astype(np.int64) + 4) % 7  # 1970-01-01 was a Thursday
    elif part == "dayOfMonth":
        values = (days - months).astype(np.int64) + 1
    else:
        values = months.astype(np.int64) % 12 + 1
    return np.where(usable, values, np.nan)


def problem(loc: tuple[Any, ...], message: str) -> dict[str, Any]:
    """A pydantic error location as ctrain's problems name it: the row's index and the column."""
    path = list(loc[1:] if loc and loc[0] == "body" else loc)
    if path[:1] == ["row"]:
        return {"row": 0, "field": str(path[1]) if len(path) > 1 else "(row)", "message": message}
    if path[:1] == ["rows"] and len(path) > 1 and isinstance(path[1], int):
        return {"row": path[1], "field": str(path[2]) if len(path) > 2 else "(row)", "message": message}
    return {"row": None, "field": ".".join(map(str, path)) or "(body)", "message": message}


class AnnouncingServer(uvicorn.Server):
    """Says where it listens once the socket is open, as the benchmark's server processes do."""

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            port = self.servers[0].sockets[0].getsockname()[1]
            print(f"listening on http://127.0.0.1:{port}", flush=True)


def main() -> None:
    network_path, transform_path = sys.argv[1], sys.argv[2]
    with open(network_path) as file:
        network = json.load(file)
    with open(transform_path) as file:
        transform = json.load(file)
    torch.set_num_threads(1)  # one core, like ctrain's one Node process
    app = build_app(network, transform)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, workers=1, access_log=False, log_level="warning")
    AnnouncingServer(config).run()


if __name__ == "__main__":
    main()
