package redisstore_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/store/redisstore"
	"github.com/deskbridge/deskbridge/store/redisstore/redistest"
)

// BenchmarkRedis measures Get (a hit), Add (of an absent key, then its
// Delete), a claim and its release (Add, then DeleteIf of its value) and
// SetIfNewer (a newer version) on loopback Redis, one caller at a time,
// beside the floor: plain go-redis GET, SET NX PX then DEL (twice: the
// floor of a release is the unconditional DEL that DeleteIf replaces), and
// SET PX, with the same keys and values. Batch5 is a batch of five ops
// (Add, Get, Add, Get, Set) through store.Do, beside a go-redis pipeline
// of the same five commands and the five single operations. LeaseRelease
// is a lease taken with the value read, then released with a new value
// (statussync's two round trips per event), beside the same commands
// without the atomicity: a pipeline of GET and SET NX PX of the mark, then
// one of SET and DEL.
func BenchmarkRedis(b *testing.B) {
	client, _ := redistest.Client(b)
	prefix := redistest.Prefix(b)
	s := redisstore.New(client, prefix)
	ctx := context.Background()
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = "agent:" + strconv.Itoa(i) + ":status"
		if err := s.Set(ctx, keys[i], "available", time.Hour); err != nil {
			b.Fatal(err)
		}
	}
	n := len(keys)
	b.Run("Get/floor", func(b *testing.B) {
		for i := range b.N {
			if err := client.Get(ctx, s.Key(keys[i%n])).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Get/redisstore", func(b *testing.B) {
		for i := range b.N {
			if _, ok, err := s.Get(ctx, keys[i%n]); err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("Add/floor", func(b *testing.B) {
		for i := range b.N {
			k := s.Key("floorclaim:" + keys[i%n])
			if ok, err := client.SetNX(ctx, k, "0:replica-a", time.Minute).Result(); err != nil || !ok {
				b.Fatal(ok, err)
			}
			if err := client.Del(ctx, k).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Add/redisstore", func(b *testing.B) {
		for i := range b.N {
			k := "claim:" + keys[i%n]
			if ok, err := s.Add(ctx, k, "replica-a", time.Minute); err != nil || !ok {
				b.Fatal(ok, err)
			}
			if err := s.Delete(ctx, k); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AddDeleteIf/floor", func(b *testing.B) {
		for i := range b.N {
			k := s.Key("floorrelease:" + keys[i%n])
			if ok, err := client.SetNX(ctx, k, "0:replica-a", time.Minute).Result(); err != nil || !ok {
				b.Fatal(ok, err)
			}
			if err := client.Del(ctx, k).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AddDeleteIf/redisstore", func(b *testing.B) {
		for i := range b.N {
			k := "release:" + keys[i%n]
			if ok, err := s.Add(ctx, k, "replica-a", time.Minute); err != nil || !ok {
				b.Fatal(ok, err)
			}
			if ok, err := s.DeleteIf(ctx, k, "replica-a"); err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("SetIfNewer/floor", func(b *testing.B) {
		for i := range b.N {
			if err := client.Set(ctx, s.Key("floor:"+keys[i%n]), "away", time.Hour).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
	base := time.Now().UnixNano()
	b.Run("SetIfNewer/redisstore", func(b *testing.B) {
		for i := range b.N {
			base++
			if ok, err := s.SetIfNewer(ctx, "ver:"+keys[i%n], base, "away", time.Hour); err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("LeaseRelease/floor", func(b *testing.B) {
		for i := range b.N {
			vk := s.Key(keys[i%n])
			mk := vk + ":floorlease"
			var get *redis.StringCmd
			if _, err := client.Pipelined(ctx, func(p redis.Pipeliner) error {
				get = p.Get(ctx, vk)
				p.SetNX(ctx, mk, "1765000000000 replica-a", time.Minute)
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			if _, err := client.Pipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, vk, get.Val(), time.Hour)
				p.Del(ctx, mk)
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("LeaseRelease/redisstore", func(b *testing.B) {
		for i := range b.N {
			k := keys[i%n]
			l, err := s.Lease(ctx, k, "replica-a", time.Minute)
			if err != nil || !l.Held || !l.Found {
				b.Fatal(l, err)
			}
			if ok, err := s.Release(ctx, k, "replica-a", l.Value, time.Hour); err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})
	// A flow's first step: a claim, the read that tells its holder, a
	// record added and read back, and a write; five ops.
	var seq int
	b.Run("Batch5/floor", func(b *testing.B) {
		for i := range b.N {
			seq++
			lk, rk := s.Key("floorlock:"+strconv.Itoa(seq)), s.Key("floorrec:"+keys[i%n])
			_, err := client.Pipelined(ctx, func(p redis.Pipeliner) error {
				p.SetNX(ctx, lk, "0:token", time.Minute)
				p.Get(ctx, lk)
				p.SetNX(ctx, rk, "0:pending", time.Hour)
				p.Get(ctx, rk)
				p.Set(ctx, s.Key("floorecho:"+keys[i%n]), "0:1", time.Minute)
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Batch5/redisstore", func(b *testing.B) {
		for i := range b.N {
			seq++
			lk, rk := "lock:"+strconv.Itoa(seq), "rec:"+keys[i%n]
			if err := store.Do(ctx, s, store.AddOp(lk, "token", time.Minute), store.GetOp(lk),
				store.AddOp(rk, "pending", time.Hour), store.GetOp(rk), store.SetOp("echo:"+keys[i%n], "1", time.Minute)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Batch5/single-ops", func(b *testing.B) {
		for i := range b.N {
			seq++
			lk, rk := "slock:"+strconv.Itoa(seq), "srec:"+keys[i%n]
			for _, op := range []*store.Op{store.AddOp(lk, "token", time.Minute), store.GetOp(lk),
				store.AddOp(rk, "pending", time.Hour), store.GetOp(rk), store.SetOp("secho:"+keys[i%n], "1", time.Minute)} {
				if r := store.RunOp(ctx, s, op); r.Err != nil {
					b.Fatal(r.Err)
				}
			}
		}
	})
}
