#!/bin/sh
# A consistent copy of Redis' persistence files (the AOF directory and the RDB snapshot) as a tar on
# standard output. Run it where redis-cli reaches the server and its data directory is readable, that is
# inside the Redis container:
#   docker compose exec -T redis sh -s < deploy/redis-backup.sh > mathbot-redis-$(date +%F).tar
#   kubectl -n mathbot exec -i redis-0 -c redis -- sh -s < deploy/redis-backup.sh > mathbot-redis-$(date +%F).tar
# Redis' documented procedure for AOF backups: automatic AOF rewrites are paused, and the copy starts
# once no rewrite runs or is scheduled, so the manifest and the files it names belong together. The
# previous rewrite setting is restored on exit. Restoring: docs/deploy.md.
set -eu

cli() {
	redis-cli -p "${REDIS_PORT:-6379}" "$@"
}
setting() {
	cli config get "$1" | sed -n 2p
}

dir=$(setting dir)
aof_dir=$(setting appenddirname)
rdb=$(setting dbfilename)
percentage=$(setting auto-aof-rewrite-percentage)
[ -n "$dir" ] && [ -n "$aof_dir" ] || { echo "redis-backup: cannot read Redis' configuration" >&2; exit 1; }

trap 'cli config set auto-aof-rewrite-percentage "$percentage" >/dev/null' EXIT
cli config set auto-aof-rewrite-percentage 0 >/dev/null
while cli info persistence | grep -Eq '^aof_rewrite_(in_progress|scheduled):1'; do
	sleep 1
done

cd "$dir"
[ -d "$aof_dir" ] || { echo "redis-backup: no AOF directory $dir/$aof_dir (is appendonly on?)" >&2; exit 1; }
if [ -f "$rdb" ]; then
	tar -cf - "$aof_dir" "$rdb"
else
	tar -cf - "$aof_dir"
fi
echo "redis-backup: copied $dir/$aof_dir" >&2
