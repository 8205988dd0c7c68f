window.YTD.follower.part0 = [
  {
    "follower" : {
      "accountId" : "1500000000000000789",
      "userLink" : "https://twitter.com/intent/user?user_id=1500000000000000789"
    }
  }
]
