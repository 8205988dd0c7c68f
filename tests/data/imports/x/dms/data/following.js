window.YTD.following.part0 = [
  {
    "following" : {
      "accountId" : "1500000000000000456",
      "userLink" : "https://twitter.com/brambleowl"
    }
  },
  {
    "following" : {
      "accountId" : "1500000000000000123",
      "userLink" : "https://twitter.com/intent/user?user_id=1500000000000000123"
    }
  }
]
