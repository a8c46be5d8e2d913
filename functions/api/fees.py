"""Service fees: the price table (admins set it, anyone signed in reads it) and charges."""
from __future__ import annotations

from shared.domain.idempotency import Operation
from shared.domain.fees import ServicePrice
from shared.domain.users import Role
from shared.services import fees
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.fees import (ChargeFeeRequest, ChargeResult, PriceTable, PriceTableQuery,
                                     ServicePriceView, SetServicePriceRequest)


@endpoint("admin_set_service_price", method="POST", auth=Role.ADMIN, body=SetServicePriceRequest,
          response=ServicePriceView, summary="Set a service's price for a validity window",
          errors=("unknown_asset", "invalid_window", "invalid_service_type"))
def admin_set_service_price(ctx: Context, body: SetServicePriceRequest) -> dict:
    price = ServicePrice(body.service_type, body.asset, body.amount, body.valid_from,
                         body.valid_until)
    return fees.set_price(ctx.operation(body.model_dump(mode="json")), ctx.user, price,
                                  body.reason)


@endpoint("list_service_prices", query=PriceTableQuery, response=PriceTable,
          summary="The service price table by service type and start, each window marked in force "
                  "or not, a page at a time")
def list_service_prices(ctx: Context, q: PriceTableQuery) -> dict:
    items, cursor = fees.price_table(q.service_type, q.cursor, q.limit)
    return {"items": items, "next_cursor": cursor}


@endpoint("service_charge_fee", method="POST", auth=Role.SERVICE, body=ChargeFeeRequest,
          response=ChargeResult,
          summary="Charge a user the price in force for a service (service identities only)",
          errors=("service_role_required", "no_price_in_force", "insufficient_funds",
                  "unknown_user", "account_frozen", "idempotency_conflict"))
def service_charge_fee(ctx: Context, body: ChargeFeeRequest) -> dict:
    # Idempotent per request id (not per header): the app's backend retries with the same id.
    op = Operation.of(ctx.uid, ctx.spec.name, body.request_id, body.model_dump())
    return fees.charge(op, ctx.user, body.uid, body.service_type, body.description)
