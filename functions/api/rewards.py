"""Rewards: admins fund the sharded pool; the app's backend (or an admin) pays rewards from it."""
from __future__ import annotations

from shared.domain.users import Role
from shared.services import rewards
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.rewards import (FundRewardsRequest, FundRewardsResult, RewardRequest,
                                        RewardResult, RewardsPoolQuery, RewardsPoolView)


@endpoint("admin_fund_rewards", method="POST", auth=Role.ADMIN, body=FundRewardsRequest,
          response=FundRewardsResult, summary="Mint tokens into the rewards pool's shards",
          errors=("unknown_asset", "supply_cap_exceeded"))
def admin_fund_rewards(ctx: Context, body: FundRewardsRequest) -> dict:
    return rewards.fund(ctx.operation(body.model_dump()), ctx.user, body.asset, body.amount,
                        body.reason)


@endpoint("admin_rewards_pool", auth=Role.ADMIN, query=RewardsPoolQuery, response=RewardsPoolView,
          summary="What the rewards pool holds, and a page of its shards")
def admin_rewards_pool(ctx: Context, q: RewardsPoolQuery) -> dict:
    return rewards.pool(q.asset, q.cursor, q.limit)


@endpoint("pay_reward", method="POST", auth=Role.SERVICE, body=RewardRequest,
          response=RewardResult, summary="Pay a user a reward from the pool, once per reward id",
          errors=("reward_role_required", "rewards_pool_empty", "unknown_user", "unknown_asset",
                  "idempotency_conflict"))
def pay_reward(ctx: Context, body: RewardRequest) -> dict:
    return rewards.pay(ctx.user, body.reward_id, body.uid, body.asset, body.amount, body.reason)
