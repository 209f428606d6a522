"""Redis event log: many hub processes and hosts share each site's log.

Keys, all hash-tagged ``{site}`` so a Redis Cluster keeps a site on one shard:

    madoguchi:{site}:log        Stream; entry id ``<seq>-0``, field ``r`` = the JSON record
    madoguchi:{site}:meta       Hash: ``head`` (last seq), ``last`` (its command id), ``epoch``,
                                ``scrubbed_until``
    madoguchi:{site}:cmds:<day> Hash: command id -> seq, per UTC day, kept three days
    madoguchi:{site}:snapshot   Hash: ``seq``, ``body``

Compare-and-append is one Lua script: it checks ``head``, refuses a command id already
recorded (today or yesterday), adds the entry and moves ``head`` — atomically, whichever
process calls it.
Every process follows the stream with ``XREAD BLOCK``. If the site's data vanishes (a Redis that
lost its data set), a new ``epoch`` is minted and clients resynchronise instead of diverging.

Durability: an append is acknowledged when Redis has executed the script. Only with
``appendonly yes`` and ``appendfsync always`` is that also on disk (see docs/scaling.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import NoScriptError, RedisError

from server.domain.events import Record
from server.errors import Conflict, DuplicateCommand, LogError, StoreUnavailable
from server.log.codec import decode_record, encode_record
from server.log.resp import ReplyError, RespConnection

COMMAND_TTL = 3 * 86400
SOCKET_TIMEOUT = 10.0
FOLLOW_COUNT = 1000
FOLLOW_BLOCK = 2.0

APPEND = """
local head = tonumber(redis.call('HGET', KEYS[2], 'head') or '0')
if head ~= tonumber(ARGV[1]) or (redis.call('HGET', KEYS[2], 'last') or '') ~= ARGV[5] then
  return {'conflict', head}
end
if ARGV[3] ~= '' then
  local prior = redis.call('HGET', KEYS[3], ARGV[3]) or redis.call('HGET', KEYS[4], ARGV[3])
  if prior then
    return {'duplicate', tonumber(prior)}
  end
end
local seq = head + 1
redis.call('XADD', KEYS[1], seq .. '-0', 'r', ARGV[2])
redis.call('HSET', KEYS[2], 'head', seq, 'last', ARGV[3])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[3], ARGV[3], seq)
  redis.call('EXPIRE', KEYS[3], ARGV[4])
end
return {'ok', seq}
"""

APPEND_SHA = hashlib.sha1(APPEND.encode()).hexdigest()
_Append = tuple[str, list[str], list[Any], "asyncio.Future[None]"]
_Ask = tuple[int, "asyncio.Future[list[Record]]"]

# A stream cannot be edited in place: scrubbing rewrites it into a new key (done in chunks by
# the caller) and this script swaps it in, copying whatever was appended meanwhile.
SWAP = """
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
local from = '0-0'
if #last > 0 then from = '(' .. last[1][1] end
local tail = redis.call('XRANGE', KEYS[1], from, '+')
for _, entry in ipairs(tail) do
  redis.call('XADD', KEYS[2], entry[1], unpack(entry[2]))
end
redis.call('RENAME', KEYS[2], KEYS[1])
redis.call('HSET', KEYS[3], 'scrubbed_until', ARGV[1])
return #tail
"""


def _keys(site_id: str) -> tuple[str, str, str]:
    tag = f"madoguchi:{{{site_id}}}"
    return f"{tag}:log", f"{tag}:meta", f"{tag}:snapshot"


def _day_key(site_id: str, day: int) -> str:
    """Command ids are kept two days (keyed by UTC day) to catch retries across midnight."""
    return f"madoguchi:{{{site_id}}}:cmds:{day}"


class RedisLog:
    """The event log on Redis or Redis Cluster (``redis://`` / ``redis+cluster://``)."""

    shared = True

    def __init__(self, url: str) -> None:
        self.url = url
        self.cluster = url.startswith("redis+cluster://")
        self.client: Any = None
        self._pending: list[_Append] = []
        self._flusher: asyncio.Future[None] | None = None
        self._asks: dict[str, dict[str, _Ask]] = {}
        self._covered: dict[str, set[str]] = {}
        self._starting: set[str] = set()
        self._rounds: set[asyncio.Future[None]] = set()
        self._appender: RespConnection | None = None
        self._connecting = asyncio.Lock()
        self._followers: list[RespConnection] = []

    async def open(self) -> None:
        # The socket timeout must outlast an XREAD BLOCK (FOLLOW_BLOCK), or a quiet round
        # would look like a fault.
        options: dict[str, Any] = {
            "socket_timeout": SOCKET_TIMEOUT,
            "socket_connect_timeout": 3,
        }
        if self.cluster:
            url = self.url.replace("redis+cluster://", "redis://")
            self.client = RedisCluster.from_url(url, **options)
        else:
            self.client = aioredis.from_url(self.url, **options)

    async def close(self) -> None:
        for round_ in list(self._rounds):
            round_.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError, RedisError):
                async with asyncio.timeout(FOLLOW_BLOCK + 1):
                    await round_
        for connection in [self._appender, *self._followers]:
            if connection is not None:
                connection.close()
        if self.client is not None:
            await self.client.aclose()

    async def _script(self, source: str, keys: list[str], args: list[Any]) -> Any:
        """EVALSHA, falling back to EVAL (which caches the script) on a node that lacks it."""
        sha = hashlib.sha1(source.encode()).hexdigest()
        try:
            try:
                return await self.client.evalsha(sha, len(keys), *keys, *args)
            except NoScriptError:
                return await self.client.eval(source, len(keys), *keys, *args)
        except RedisError as exc:
            raise StoreUnavailable(f"redis: {exc}") from exc

    async def epoch(self, site_id: str) -> str:
        _, meta, _ = _keys(site_id)
        try:
            await self.client.hsetnx(meta, "epoch", secrets.token_hex(8))
            value = await self.client.hget(meta, "epoch")
        except RedisError as exc:
            raise StoreUnavailable(f"redis: {exc}") from exc
        return str(value.decode())

    def append(
        self, site_id: str, expected_seq: int, previous: str, record: Record
    ) -> asyncio.Future[None]:
        """Queue the append; whatever is queued (any site) goes out together, in call order,
        in one pipeline on one connection: Redis's group commit, one round trip and one fsync
        for a burst of commands across all sites."""
        log, meta, _ = _keys(site_id)
        day = int(record.at // 86400)
        keys = [log, meta, _day_key(site_id, day), _day_key(site_id, day - 1)]
        args = [expected_seq, encode_record(record), record.command_id, COMMAND_TTL, previous]
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((site_id, keys, args, done))
        if self._flusher is None:
            self._flusher = asyncio.ensure_future(self._flush())
        return done

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    results = await self._send(batch)
                except (RedisError, OSError, TimeoutError) as exc:
                    results = [StoreUnavailable(f"redis: {exc}")] * len(batch)
                for (site, _, args, done), result in zip(batch, results, strict=True):
                    if not done.done():
                        _settle(done, site, args[0], result)
        finally:
            self._flusher = None

    async def _send(self, batch: list[_Append]) -> list[Any]:
        """One pipeline of EVALSHA calls; those a Redis without the script (restarted, or
        flushed) refused go again as EVAL, which caches it."""
        if self.cluster:
            return await self._send_to_cluster(batch)
        connection = await self._append_connection()
        calls = [("EVALSHA", APPEND_SHA, len(keys), *keys, *args) for _, keys, args, _ in batch]
        async with asyncio.timeout(SOCKET_TIMEOUT):
            results = await asyncio.gather(*connection.send(calls))
            again = [i for i, result in enumerate(results) if _no_script(result)]
            if again:
                retried = connection.send([("EVAL", APPEND, *calls[i][2:]) for i in again])
                for i, result in zip(again, await asyncio.gather(*retried), strict=True):
                    results[i] = result
        return results

    async def _append_connection(self) -> RespConnection:
        """The lean connection appends are pipelined on, connected again if it was lost."""
        if self._appender is not None and self._appender.usable:
            return self._appender
        async with self._connecting:
            if self._appender is None or not self._appender.usable:
                self._appender = await RespConnection.open(self.url, SOCKET_TIMEOUT)
            return self._appender

    async def _send_to_cluster(self, batch: list[_Append]) -> list[Any]:
        """On a cluster, each site's appends one after another (in order), sites side by
        side (they may live on different nodes)."""
        results: list[Any] = [None] * len(batch)
        by_site: dict[str, list[int]] = {}
        for i, (_, keys, _, _) in enumerate(batch):
            by_site.setdefault(keys[0], []).append(i)

        async def in_order(indexes: list[int]) -> None:
            for i in indexes:
                _, keys, args, _ = batch[i]
                try:
                    results[i] = await self._script(APPEND, keys, args)
                except StoreUnavailable as exc:
                    results[i] = exc

        await asyncio.gather(*(in_order(indexes) for indexes in by_site.values()))
        return results

    async def read(self, site_id: str, after_seq: int, limit: int = 10_000) -> list[Record]:
        log, _, _ = _keys(site_id)
        try:
            entries = await self.client.xrange(log, f"({after_seq}-0", "+", count=limit)
        except RedisError as exc:
            raise StoreUnavailable(f"redis: {exc}") from exc
        return [decode_record(fields[b"r"]) for _, fields in entries]

    async def follow(self, site_id: str, after_seq: int, timeout: float) -> list[Record]:
        """The records after ``after_seq``, as soon as there are any (``[]`` after
        ``timeout``). The sites that ask in the same loop pass share one ``XREAD BLOCK``
        (on a cluster, whose shards hold different sites, each site has its own): a process
        following many busy sites makes a round trip per round, not per site and batch."""
        group = site_id if self.cluster else ""
        ask: _Ask = (after_seq, asyncio.get_running_loop().create_future())
        asks = self._asks.setdefault(group, {})
        asks[site_id] = ask
        if site_id not in self._covered.setdefault(group, set()) and group not in self._starting:
            self._starting.add(group)
            asyncio.get_running_loop().call_soon(self._start_round, group)
        try:
            async with asyncio.timeout(timeout):
                return await ask[1]
        except TimeoutError:
            return []
        finally:
            if asks.get(site_id) is ask:
                del asks[site_id]

    def _start_round(self, group: str) -> None:
        self._starting.discard(group)
        covered = self._covered[group]
        sites = [site for site in self._asks[group] if site not in covered]
        if sites:
            covered.update(sites)
            round_ = asyncio.ensure_future(self._round(group, sites))
            self._rounds.add(round_)
            round_.add_done_callback(self._rounds.discard)

    async def _round(self, group: str, sites: list[str]) -> None:
        """One XREAD BLOCK for ``sites``; hand each its records. Sites still waiting when it
        returns empty-handed join the next round."""
        asks, covered = self._asks[group], self._covered[group]
        logs = {site: _keys(site)[0] for site in sites if site in asks}
        streams = {log: f"{asks[site][0]}-0" for site, log in logs.items()}
        by_key = {log.encode(): site for site, log in logs.items()}
        try:
            found = await self._xread(streams) if streams else []
        except (RedisError, OSError, TimeoutError) as exc:
            failed: Exception | None = StoreUnavailable(f"redis: {exc}")
            found = []
        else:
            failed = None
        finally:
            covered.difference_update(sites)
        for key, bodies in found:
            ask = asks.pop(by_key.get(key, ""), None)
            if ask is not None and not ask[1].done():
                ask[1].set_result([decode_record(body) for body in bodies])
        for site in sites:
            ask = asks.get(site)
            if failed is not None and ask is not None and not ask[1].done():
                ask[1].set_exception(failed)
        if any(site in asks for site in sites) and group not in self._starting:
            self._starting.add(group)
            asyncio.get_running_loop().call_soon(self._start_round, group)

    async def _xread(self, streams: dict[str, str]) -> list[tuple[bytes, list[bytes]]]:
        """One ``XREAD BLOCK``: each stream's key and the record bodies found."""
        block = int(FOLLOW_BLOCK * 1000)
        if self.cluster:
            found = await self.client.xread(streams, count=FOLLOW_COUNT, block=block)
            # RESP2 answers [[key, entries]], RESP3 {key: entries}.
            pairs = found.items() if isinstance(found, dict) else (found or ())
            return [(key, [fields[b"r"] for _, fields in entries]) for key, entries in pairs]
        # A blocked XREAD holds its connection: rounds running side by side (sites that
        # started asking while another round waits) each take one of their own.
        while self._followers and not self._followers[-1].usable:
            self._followers.pop()
        if self._followers:
            connection = self._followers.pop()
        else:
            connection = await RespConnection.open(self.url, SOCKET_TIMEOUT)
        command = ("XREAD", "COUNT", FOLLOW_COUNT, "BLOCK", block, "STREAMS", *streams)
        (reply,) = connection.send([(*command, *streams.values())])
        try:
            async with asyncio.timeout(FOLLOW_BLOCK + SOCKET_TIMEOUT):
                found = await reply
        except BaseException:
            connection.close()  # its reply may still come: it cannot serve another round
            raise
        self._followers.append(connection)
        if isinstance(found, ReplyError):
            raise StoreUnavailable(f"redis: {found}")
        # Entries are [id, [field, value, ...]]; the log's only field is "r".
        return [(key, [fields[1] for _, fields in entries]) for key, entries in found or ()]

    async def scrub(self, site_id: str, before: float, fn: Callable[[Record], Record]) -> int:
        log, meta, _ = _keys(site_id)
        try:
            since = float(await self.client.hget(meta, "scrubbed_until") or 0)
            if since >= before:
                return 0
            fresh = f"madoguchi:{{{site_id}}}:log:scrub"
            await self.client.delete(fresh)
            changed, start = 0, "-"
            while True:
                entries = await self.client.xrange(log, start, "+", count=1000)
                if not entries:
                    break
                for entry_id, fields in entries:
                    record = decode_record(fields[b"r"])
                    if since <= record.at < before:
                        new = fn(record)
                        if new is not record:
                            fields = {b"r": encode_record(new)}
                            changed += 1
                    await self.client.xadd(fresh, fields, id=entry_id)
                start = "(" + entries[-1][0].decode()
            if changed:
                await self._script(SWAP, [log, fresh, meta], [before])
            else:
                await self.client.delete(fresh)
                await self.client.hset(meta, "scrubbed_until", before)
        except RedisError as exc:
            raise StoreUnavailable(f"redis: {exc}") from exc
        return changed

    async def save_snapshot(self, site_id: str, seq: int, data: bytes) -> None:
        _, _, snapshot = _keys(site_id)
        try:
            await self.client.hset(snapshot, mapping={"seq": seq, "body": data})
        except RedisError as exc:
            raise StoreUnavailable(f"redis: {exc}") from exc

    async def load_snapshot(self, site_id: str) -> tuple[int, bytes] | None:
        _, _, snapshot = _keys(site_id)
        try:
            found = await self.client.hgetall(snapshot)
        except RedisError as exc:
            raise StoreUnavailable(f"redis: {exc}") from exc
        if not found:
            return None
        return int(found[b"seq"]), bytes(found[b"body"])


def _no_script(result: Any) -> bool:
    return isinstance(result, ReplyError) and str(result).startswith("NOSCRIPT")


def _settle(done: asyncio.Future[None], site_id: str, expected_seq: int, result: Any) -> None:
    """Resolve an append's future from the script's answer (or the error in its place)."""
    if isinstance(result, LogError):
        done.set_exception(result)
    elif isinstance(result, Exception):
        done.set_exception(StoreUnavailable(f"redis: {result}"))
    elif result[0] == b"ok":
        done.set_result(None)
    elif result[0] == b"duplicate":
        done.set_exception(DuplicateCommand(site_id, expected_seq, int(result[1])))
    else:
        done.set_exception(Conflict(site_id, expected_seq, int(result[1])))
