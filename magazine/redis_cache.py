"""
Django's Redis cache backend, with one Redis client per connection pool.

Django's ``RedisCacheClient.get_client()`` makes a new ``redis.Redis`` for every cache call (its comment
leaves the choice to custom clients), and making one fills a table of about 170 response callbacks: 40 % of
the instructions of serving a cached page. A ``redis.Redis`` takes a connection from its pool for each
command, so one client per pool serves every call.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # By pool (pools live as long as this client): one for writes, one for each server read from.
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
