"""User-to-user transfers."""
from __future__ import annotations

from shared.services import transfers
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.transfers import TransferRequest, TransferResult


@endpoint("create_transfer", method="POST", body=TransferRequest, response=TransferResult,
          summary="Send tokens to another user; the sender pays a 0.1% fee (rounded up)",
          errors=("insufficient_funds", "unknown_user", "unknown_asset", "account_frozen",
                  "cannot_transfer_to_self", "idempotency_conflict"))
def create_transfer(ctx: Context, body: TransferRequest) -> dict:
    return transfers.send(ctx.operation(body.model_dump()), ctx.user, body.to, body.asset,
                          body.amount, body.memo)
