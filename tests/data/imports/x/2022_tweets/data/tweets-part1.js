window.YTD.tweets.part1 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1620000000000000006"
          ],
          "editableUntil" : "2023-01-31T11:00:00.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
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
        "23"
      ],
      "favorite_count" : "0",
      "id_str" : "1620000000000000006",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1620000000000000006",
      "created_at" : "Sat Feb 04 18:00:00 +0000 2023",
      "favorited" : false,
      "full_text" : "Part two of the archive",
      "lang" : "en"
    }
  }
]
