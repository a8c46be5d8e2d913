"""Markets, socially: reputation, badges, leaderboards, follows, notifications, feed, flags."""
from __future__ import annotations

from shared.domain.markets.social import Period
from shared.domain.users import Role
from shared.services import notices
from shared.services.markets import badges
from shared.services.markets import corrections
from shared.services.markets import leaderboards
from shared.services.markets import notifications
from shared.services.markets import social
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.common import PageQuery
from shared.web.schemas.markets.social import (BadgePage, BadgeQuery, ClearFlagResult, FeedPage, FeedQuery,
                                               FlagPage, FlagRequest, FlagView, FollowRequest,
                                               FollowsView, LeaderboardQuery, LeaderboardView,
                                               MarkReadRequest, MarkReadResult,
                                               NotificationPage, NotificationQuery,
                                               NotificationSettings,
                                               NotificationSettingsRequest,
                                               ReputationView, UidQuery)


@endpoint("get_reputation", auth=None, query=UidQuery, response=ReputationView,
          summary="A user's forecasting reputation, in total and per category (public)")
def get_reputation(ctx: Context, q: UidQuery) -> dict:
    return badges.reputation(q.uid)


@endpoint("list_badges", auth=None, query=BadgeQuery, response=BadgePage,
          summary="A user's badges, oldest first (public)")
def list_badges(ctx: Context, q: BadgeQuery) -> dict:
    items, cursor = badges.list_badges(q.uid, q.cursor, q.limit)
    return {"items": items, "next_cursor": cursor}


@endpoint("get_leaderboard", auth=None, query=LeaderboardQuery, response=LeaderboardView,
          summary="The leaderboard of a period and category (current, or a past one by its "
          "start), as the job last wrote it, with display names",
          errors=("not_a_period_start",))
def get_leaderboard(ctx: Context, q: LeaderboardQuery) -> dict:
    return leaderboards.board(Period(q.period), str(q.category), q.start)


@endpoint("follow_category", method="POST", body=FollowRequest, response=FollowsView,
          summary="Follow a market category: you are told of its new markets")
def follow_category(ctx: Context, body: FollowRequest) -> dict:
    return notifications.follow(ctx.uid, body.category.value)


@endpoint("unfollow_category", method="POST", body=FollowRequest, response=FollowsView,
          summary="Stop following a market category")
def unfollow_category(ctx: Context, body: FollowRequest) -> dict:
    return notifications.unfollow(ctx.uid, body.category.value)


@endpoint("list_my_follows", response=FollowsView, summary="The categories you follow")
def list_my_follows(ctx: Context, q: None) -> dict:
    return notifications.my_follows(ctx.uid)


@endpoint("list_notifications", query=NotificationQuery, response=NotificationPage,
          summary="Your notifications, newest first (unread=true for unread only)")
def list_notifications(ctx: Context, q: NotificationQuery) -> dict:
    items, cursor, unread = notifications.list_mine(ctx.uid, q.unread, q.cursor, q.limit)
    return {"items": items, "next_cursor": cursor, "unread_count": unread}


@endpoint("mark_notifications_read", method="POST", body=MarkReadRequest,
          response=MarkReadResult, summary="Mark notifications read: the given ids, or all")
def mark_notifications_read(ctx: Context, body: MarkReadRequest) -> dict:
    return notifications.mark_read(ctx.uid, None if body.all else body.ids)


@endpoint("update_notification_settings", method="POST", body=NotificationSettingsRequest,
          response=NotificationSettings,
          summary="Mute notification kinds (muted kinds are not written at all)")
def update_notification_settings(ctx: Context, body: NotificationSettingsRequest) -> dict:
    return notices.update_settings(ctx.uid, list(body.muted))


@endpoint("list_activity", auth=None, query=FeedQuery, response=FeedPage,
          summary="Public activity: forecasts placed, markets created and resolved, badges")
def list_activity(ctx: Context, q: FeedQuery) -> dict:
    items, cursor = social.feed(q.cursor, q.limit,
                                        q.category.value if q.category else None)
    return {"items": items, "next_cursor": cursor}


@endpoint("flag_forecast", method="POST", auth=Role.MODERATOR, body=FlagRequest,
          response=FlagView, summary="Flag a forecast for review, with a reason: it is left out of reputation "
          "and leaderboards until an admin clears it (moderators)",
          errors=("unknown_forecast",))
def flag_forecast(ctx: Context, body: FlagRequest) -> dict:
    return corrections.flag(ctx.user, body.market_id, body.uid, body.reason)


@endpoint("clear_forecast_flag", method="POST", auth=Role.ADMIN, body=FlagRequest,
          response=ClearFlagResult, summary="Clear a forecast's flags, with a reason: it counts "
          "in reputation and leaderboards again (admins)",
          errors=("unknown_forecast", "forecast_not_flagged"))
def clear_forecast_flag(ctx: Context, body: FlagRequest) -> dict:
    return corrections.clear(ctx.user, body.market_id, body.uid, body.reason)


@endpoint("admin_list_flagged_forecasts", auth=Role.ADMIN, query=PageQuery, response=FlagPage,
          summary="Flagged forecasts, most recently flagged first")
def admin_list_flagged_forecasts(ctx: Context, q: PageQuery) -> dict:
    items, cursor = social.flagged(q.cursor, q.limit)
    return {"items": items, "next_cursor": cursor}
