Grailbird.data.tweets_2017_01 = 
 [
  {
    "source": "web",
    "entities": {
      "user_mentions": [],
      "media": [],
      "hashtags": [],
      "urls": []
    },
    "geo": {},
    "id_str": "816000000000000001",
    "text": "An old tweet from 2017",
    "id": 816000000000000001,
    "created_at": "2017-01-02 13:45:00 +0000",
    "user": {
      "name": "Quiet Fern",
      "screen_name": "quietfern",
      "protected": false,
      "id_str": "987654321098765432",
      "profile_image_url_https": "https://abs.twimg.com/sticky/default_profile_images/default_profile_0_normal.png",
      "id": 987654321098765432,
      "verified": false
    }
  }
]
