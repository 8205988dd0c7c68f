window.YTD.note_tweet.part0 = [
  {
    "noteTweet" : {
      "noteTweetId" : "1620000000000000103",
      "updatedAt" : "2023-02-01T12:30:45.000Z",
      "lifecycle" : {
        "value" : "1620000000000000003",
        "name" : "org.x.NoteTweetLifecycle$Published"
      },
      "createdAt" : "2023-02-01T12:30:45.000Z",
      "core" : {
        "styletags" : [],
        "urls" : [],
        "text" : "This is the long account of what happened at the meetup on Saturday. First they followed me to the station and then they kept posting photos of the platform where I was standing, with captions that named my street and my workplace. I have kept every screenshot.",
        "mentions" : [],
        "cashtags" : [],
        "hashtags" : []
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "1630000000000000099",
      "updatedAt" : "2023-03-01T09:00:00.000Z",
      "createdAt" : "2023-03-01T09:00:00.000Z",
      "core" : {
        "styletags" : [],
        "urls" : [
          {
            "shortUrl" : "https://t.co/NoTe000099",
            "expandedUrl" : "https://example.org/help",
            "displayUrl" : "example.org/help"
          }
        ],
        "text" : "A long post whose tweet is not in this archive: https://t.co/NoTe000099",
        "mentions" : [],
        "cashtags" : [],
        "hashtags" : []
      }
    }
  }
]
