"""Requests and responses of rewards: funding the sharded pool, paying a reward, the pool's
balance (apart from fees.py, so neither kind of endpoint defines the other's models)."""

from pydantic import Field

from shared.web.schemas.common import (Amount, AssetCode, Body, DocId, PageQuery, Reason,
                                       Uid, View)


class FundRewardsRequest(Body):
    asset: AssetCode
    amount: Amount
    reason: Reason


class FundRewardsResult(View):
    asset: str
    amount: int
    shards: int


class RewardRequest(Body):
    reward_id: DocId
    uid: Uid
    asset: AssetCode
    amount: Amount
    reason: Reason


class RewardResult(View):
    transfer_id: str
    reward_id: str
    uid: str
    asset: str
    amount: int
    reason: str


class RewardsPoolQuery(PageQuery):
    asset: AssetCode


class RewardsPoolShard(View):
    account: str
    available: int


class RewardsPoolView(View):
    asset: str
    total: int
    shards: list[RewardsPoolShard] = Field(description="a page of the shards written so far, "
                                                       "by account id")
    next_cursor: str | None = None
