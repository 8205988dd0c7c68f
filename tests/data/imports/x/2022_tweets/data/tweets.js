window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1620000000000000001",
            "1620000000000000002"
          ],
          "editableUntil" : "2023-01-31T11:00:00.000Z",
          "editsRemaining" : "4",
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
        "39"
      ],
      "favorite_count" : "0",
      "id_str" : "1620000000000000001",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1620000000000000001",
      "created_at" : "Tue Jan 31 10:00:00 +0000 2023",
      "favorited" : false,
      "full_text" : "I never said that about them; tpyo here",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "edit" : {
          "initialTweetId" : "1620000000000000001",
          "editControlInitial" : {
            "editTweetIds" : [
              "1620000000000000001",
              "1620000000000000002"
            ],
            "editableUntil" : "2023-01-31T11:00:00.000Z",
            "editsRemaining" : "4",
            "isEditEligible" : true
          }
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
        "40"
      ],
      "favorite_count" : "0",
      "id_str" : "1620000000000000002",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1620000000000000002",
      "created_at" : "Tue Jan 31 10:05:00 +0000 2023",
      "favorited" : false,
      "full_text" : "I never said that about them; typo fixed",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1620000000000000003"
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
        "238"
      ],
      "favorite_count" : "0",
      "id_str" : "1620000000000000003",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1620000000000000003",
      "created_at" : "Wed Feb 01 12:30:45 +0000 2023",
      "favorited" : false,
      "full_text" : "This is the long account of what happened at the meetup on Saturday. First they followed me to the station and then they kept posting photos of the platform where I was standing, with captions that named my street… https://t.co/LoNgPoSt01",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1620000000000000004"
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
        "34"
      ],
      "favorite_count" : "0",
      "id_str" : "1620000000000000004",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1620000000000000004",
      "created_at" : "Wed Feb 01 13:00:00 +0000 2023",
      "favorited" : false,
      "full_text" : "Tom &amp;amp; Jerry &lt;3 &gt; all",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1620000000000000005"
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
        "60"
      ],
      "favorite_count" : "0",
      "id_str" : "1620000000000000005",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1620000000000000005",
      "created_at" : "Thu Feb 02 09:10:11 +0000 2023",
      "favorited" : false,
      "full_text" : "Their post, saved before it vanished https://t.co/PhOtO00005",
      "lang" : "en",
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://twitter.com/quietfern/status/1620000000000000005/photo/1",
            "indices" : [
              "29",
              "52"
            ],
            "url" : "https://t.co/AbCdEf1234",
            "media_url" : "http://pbs.twimg.com/media/FmXyZ123abc.jpg",
            "id_str" : "1620000000000000050",
            "id" : "1620000000000000050",
            "media_url_https" : "https://pbs.twimg.com/media/FmXyZ123abc.jpg",
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
  }
];

