window.YTD.tweet.part0 = [
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
        "35"
      ],
      "favorite_count" : "0",
      "id_str" : "1250000000000000001",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1250000000000000001",
      "created_at" : "Sat Apr 11 23:59:59 +0000 2020",
      "favorited" : false,
      "full_text" : "Thread 1/2: what happened on Friday",
      "lang" : "en"
    }
  },
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
        "29"
      ],
      "favorite_count" : "0",
      "id_str" : "1250000000000000002",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1250000000000000002",
      "created_at" : "Sun Apr 12 00:00:30 +0000 2020",
      "favorited" : false,
      "full_text" : "2/2 &lt;screenshots below&gt;",
      "lang" : "en",
      "in_reply_to_status_id_str" : "1250000000000000001",
      "in_reply_to_user_id_str" : "987654321098765432",
      "in_reply_to_screen_name" : "quietfern",
      "extended_entities" : {
        "media" : [
          {
            "media_url_https" : "https://pbs.twimg.com/ext_tw_video_thumb/1250000000000000003/pu/img/VdThumb.jpg",
            "id_str" : "1250000000000000003",
            "type" : "video",
            "video_info" : {
              "aspect_ratio" : [
                "16",
                "9"
              ],
              "duration_millis" : "5005",
              "variants" : [
                {
                  "content_type" : "application/x-mpegURL",
                  "url" : "https://video.twimg.com/ext_tw_video/1250000000000000003/pu/pl/VdList.m3u8?tag=10"
                },
                {
                  "bitrate" : "832000",
                  "content_type" : "video/mp4",
                  "url" : "https://video.twimg.com/ext_tw_video/1250000000000000003/pu/vid/640x360/VdClip01.mp4?tag=10"
                },
                {
                  "bitrate" : "256000",
                  "content_type" : "video/mp4",
                  "url" : "https://video.twimg.com/ext_tw_video/1250000000000000003/pu/vid/480x270/VdSmall.mp4?tag=10"
                }
              ]
            }
          }
        ]
      }
    }
  },
  {
    "tweet" : {
      "full_text" : "a record with no id",
      "created_at" : "Sun Apr 12 00:01:00 +0000 2020"
    }
  }
]
