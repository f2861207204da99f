"""secure_delete cost on a Posy-like write load: WAL, synchronous=NORMAL, 1 KB JSON bodies updated in
place five times (order states), an outbox appended and pruned. Same machine, same run, OFF vs ON."""
import os, sqlite3, tempfile, time, json, random
def run(secure):
    d = tempfile.mkdtemp()
    db = sqlite3.connect(os.path.join(d, "s.db"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA secure_delete=%s" % ("ON" if secure else "OFF"))
    db.execute("CREATE TABLE orders(id TEXT PRIMARY KEY, body BLOB) WITHOUT ROWID")
    db.execute("CREATE TABLE outbox(seq INTEGER PRIMARY KEY, envelope BLOB, created REAL)")
    body = json.dumps({"recipient": {"name": "x" * 40, "address": "y" * 80}, "items": [{"name": "carnations", "quantity": 12}] * 8, "notes": "z" * 400})
    t = time.perf_counter(); seq = 0
    for i in range(20000):
        db.execute("BEGIN")
        db.execute("INSERT INTO orders VALUES (?, ?)", ("o%d" % i, body))
        seq += 1; db.execute("INSERT INTO outbox VALUES (?, ?, ?)", (seq, body, i))
        db.execute("COMMIT")
    for step in range(5):
        for i in range(20000):
            db.execute("BEGIN")
            db.execute("UPDATE orders SET body = ? WHERE id = ?", (body + " " * (step * 7), "o%d" % i))
            seq += 1; db.execute("INSERT INTO outbox VALUES (?, ?, ?)", (seq, body, 20000 + step * 20000 + i))
            db.execute("COMMIT")
        db.execute("DELETE FROM outbox WHERE created < ?", (step * 20000,))
        db.execute("PRAGMA wal_checkpoint(PASSIVE)")
    return time.perf_counter() - t, os.path.getsize(os.path.join(d, "s.db"))
for _ in range(2):
    off = run(False); on = run(True)
    print("off %.2fs on %.2fs ratio %.3f (db %d / %d bytes)" % (off[0], on[0], on[0] / off[0], off[1], on[1]))
print("load", os.getloadavg())
