window.YTD.direct_messages_group.part0 = [
  {
    "dmConversation" : {
      "conversationId" : "1645000000000000777",
      "messages" : [
        {
          "messageCreate" : {
            "reactions" : [],
            "urls" : [],
            "text" : "everyone look at this",
            "mediaUrls" : [
              "https://ton.twitter.com/dm/1645000000000000010/1645000000000000011/GrPic01.png"
            ],
            "senderId" : "1500000000000000456",
            "id" : "1645000000000000010",
            "createdAt" : "2023-05-02T10:00:00.000Z"
          }
        },
        {
          "conversationNameUpdate" : {
            "initiatingUserId" : "1500000000000000123",
            "name" : "fern watchers",
            "createdAt" : "2023-05-02T09:30:00.000Z"
          }
        },
        {
          "participantsLeave" : {
            "userIds" : [
              "1500000000000000789"
            ],
            "createdAt" : "2023-05-02T09:00:00.000Z"
          }
        },
        {
          "participantsJoin" : {
            "initiatingUserId" : "1500000000000000123",
            "userIds" : [
              "1500000000000000456"
            ],
            "createdAt" : "2023-05-01T20:00:00.000Z"
          }
        },
        {
          "joinConversation" : {
            "initiatingUserId" : "1500000000000000123",
            "participantsSnapshot" : [
              "1500000000000000123",
              "1500000000000000789",
              "987654321098765432"
            ],
            "createdAt" : "2023-05-01T19:00:00.000Z"
          }
        },
        {
          "messageCreate" : "not an object"
        }
      ]
    }
  }
]
