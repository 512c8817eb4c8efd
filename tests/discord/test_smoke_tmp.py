import time

from tests.discord.fake_discord import BOT_ID


def test_connects(bot, discord_fake):
    fake = discord_fake.fake
    time.sleep(2)
    print([ (c.method, c.path) for c in fake.calls])
    print(fake.identifies, fake.ws_queries, fake.commands)
    assert fake.identifies
