"""The request and response of a user-to-user transfer."""

from shared.web.schemas.common import Amount, AssetCode, Body, ShortText, Uid, View


class TransferRequest(Body):
    to: Uid
    asset: AssetCode
    amount: Amount
    memo: ShortText = ""


class TransferResult(View):
    transfer_id: str
    asset: str
    amount: int
    fee: int
    to: str
    available_after: int
