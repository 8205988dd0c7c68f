window.YTD.account.part0 = [
  {
    "account" : {
      "email" : "fern@example.invalid",
      "createdVia" : "web",
      "username" : "quietfern",
      "accountId" : "987654321098765432",
      "createdAt" : "2012-03-04T05:06:07.000Z",
      "accountDisplayName" : "Quiet Fern"
    }
  }
]
