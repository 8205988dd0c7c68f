window.YTD.tweet.part0 = [
  {
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
      "44"
    ],
    "favorite_count" : "0",
    "id_str" : "1100000000000000011",
    "truncated" : false,
    "retweet_count" : "0",
    "id" : "1100000000000000011",
    "created_at" : "Mon Feb 25 09:15:02 +0000 2019",
    "favorited" : false,
    "full_text" : "Morning walk by the canal &amp; coffee after",
    "lang" : "en"
  },
  {
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
      "36"
    ],
    "favorite_count" : "0",
    "id_str" : "1100000000000000022",
    "truncated" : false,
    "retweet_count" : "0",
    "id" : "1100000000000000022",
    "created_at" : "Tue Feb 26 21:40:59 +0000 2019",
    "favorited" : false,
    "full_text" : "@grimlark_x please stop messaging me",
    "lang" : "en",
    "in_reply_to_status_id_str" : "1099999999999999901",
    "in_reply_to_status_id" : "1099999999999999901",
    "in_reply_to_user_id_str" : "1500000000000000123",
    "in_reply_to_user_id" : "1500000000000000123",
    "in_reply_to_screen_name" : "grimlark_x"
  },
  {
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
      "52"
    ],
    "favorite_count" : "0",
    "id_str" : "1100000000000000033",
    "truncated" : false,
    "retweet_count" : "0",
    "id" : "1100000000000000033",
    "created_at" : "Wed Feb 27 08:00:00 +0000 2019",
    "favorited" : false,
    "full_text" : "Screenshot of what they sent https://t.co/AbCdEf1234",
    "lang" : "en",
    "extended_entities" : {
      "media" : [
        {
          "expanded_url" : "https://twitter.com/quietfern/status/1100000000000000033/photo/1",
          "indices" : [
            "29",
            "52"
          ],
          "url" : "https://t.co/AbCdEf1234",
          "media_url" : "http://pbs.twimg.com/media/D0aBcDeFgHi.jpg",
          "id_str" : "1100000000000000034",
          "id" : "1100000000000000034",
          "media_url_https" : "https://pbs.twimg.com/media/D0aBcDeFgHi.jpg",
          "sizes" : {
            "large" : {
              "w" : "1200",
              "h" : "900",
              "resize" : "fit"
            }
          },
          "type" : "photo",
          "display_url" : "pic.twitter.com/AbCdEf1234"
        }
      ]
    }
  }
]
