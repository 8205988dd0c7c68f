window.YTD.deleted_tweets.part0 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1620000000000000007"
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
        "44"
      ],
      "favorite_count" : "0",
      "id_str" : "1620000000000000007",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1620000000000000007",
      "created_at" : "Thu Feb 02 07:55:00 +0000 2023",
      "favorited" : false,
      "full_text" : "Posted my neighbourhood by mistake, deleting",
      "lang" : "en",
      "deleted_at" : "Thu Feb 02 08:00:00 +0000 2023"
    }
  }
]
