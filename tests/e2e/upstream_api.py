"""A small HTTP API on FastAPI (which publishes its own OpenAPI document), for the
`mcpgen import --openapi --proxy` test: an inventory behind an API key, with the
failures a proxy must translate (404, 422, 429)."""

from __future__ import annotations

from fastapi import Depends, FastAPI, HTTPException, Response
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field

API_KEY = "test-key-1"

app = FastAPI(title="Inventory", version="1.0.0", description="Items in stock.")
key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


def require_key(key: str | None = Depends(key_header)) -> None:
    if key != API_KEY:
        raise HTTPException(status_code=401, detail="missing or wrong API key")


class ItemIn(BaseModel):
    name: str = Field(description="What the item is called.", min_length=1)
    quantity: int = Field(description="How many are in stock.", ge=0)


class Item(BaseModel):
    id: int = Field(description="The item's number.")
    name: str = Field(description="What the item is called.")
    quantity: int = Field(description="How many are in stock.")


ITEMS: dict[int, Item] = {1: Item(id=1, name="hammer", quantity=3)}


@app.get("/items/{item_id}", operation_id="get_item", dependencies=[Depends(require_key)])
def get_item(item_id: int) -> Item:
    """Returns one item by its number."""
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail=f"no item {item_id}")
    return ITEMS[item_id]


@app.get("/items", operation_id="list_items", dependencies=[Depends(require_key)])
def list_items(limit: int = 10, name: str = "") -> list[Item]:
    """Lists the items, those whose name contains `name` when given."""
    return [item for item in ITEMS.values() if name in item.name][:limit]


@app.post("/items", operation_id="create_item", dependencies=[Depends(require_key)])
def create_item(item: ItemIn) -> Item:
    """Adds an item to the inventory."""
    if any(existing.name == item.name for existing in ITEMS.values()):
        # FastAPI's own shape for a field that is refused.
        raise HTTPException(status_code=422, detail=[{"loc": ["body", "name"], "msg": "an item of that name exists"}])
    created = Item(id=max(ITEMS) + 1, **item.model_dump())
    ITEMS[created.id] = created
    return created


@app.delete("/items/{item_id}", operation_id="delete_item", status_code=204, dependencies=[Depends(require_key)])
def delete_item(item_id: int) -> Response:
    """Removes an item."""
    ITEMS.pop(item_id, None)
    return Response(status_code=204)


@app.get("/stock-report", operation_id="get_stock_report", dependencies=[Depends(require_key)])
def get_stock_report() -> Response:
    """A report that is rate limited: always 429 here."""
    return Response(status_code=429, headers={"Retry-After": "2"})
