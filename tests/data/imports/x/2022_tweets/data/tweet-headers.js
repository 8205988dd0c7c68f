window.YTD.tweet_headers.part0 = [ { "tweet" : { "tweet_id" : "1620000000000000001", "user_id" : "987654321098765432", "created_at" : "Tue Jan 31 10:00:00 +0000 2023" } } ]
