"""Requests and responses of rewards: funding the sharded pool, paying a reward, the pool's
balance (apart from fees.py, so neither kind of endpoint defines the other's models)."""

from shared.web.schemas.common import Amount, AssetCode, Body, DocId, Query, Reason, Uid, View


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


class RewardsPoolQuery(Query):
    asset: AssetCode


class RewardsPoolShard(View):
    account: str
    available: int


class RewardsPoolView(View):
    asset: str
    total: int
    shards: list[RewardsPoolShard]
