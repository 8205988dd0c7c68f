var tweet_index =  [ {
  "file_name" : "data\/js\/tweets\/2017_01.js",
  "year" : 2017,
  "var_name" : "tweets_2017_01",
  "tweet_count" : 1,
  "month" : 1
} ]
