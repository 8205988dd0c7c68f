window.YTD.tweet.part1 = [
  {
    "tweet" : {
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "62"
      ],
      "favorite_count" : "0",
      "id_str" : "1260000000000000009",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1260000000000000009",
      "created_at" : "Fri May 01 17:20:00 +0000 2020",
      "favorited" : false,
      "full_text" : "RT @kindheron: You are not alone. Report, block, keep records.",
      "lang" : "en"
    }
  }
]
