window.YTD.direct_messages.part0 = [
  {
    "dmConversation" : {
      "conversationId" : "987654321098765432-1500000000000000123",
      "messages" : [
        {
          "messageCreate" : {
            "reactions" : [],
            "urls" : [],
            "text" : "nice weather today",
            "mediaUrls" : [],
            "senderId" : "1500000000000000123",
            "id" : "1640000000000000005",
            "createdAt" : "2023-03-10T22:20:00.000Z",
            "recipientId" : "987654321098765432",
            "editHistory" : [
              {
                "createdAt" : "2023-03-10T22:16:00.000Z",
                "text" : "I know where you live"
              },
              {
                "createdAt" : "2023-03-10T22:20:00.000Z",
                "text" : "nice weather today"
              }
            ]
          }
        },
        {
          "messageCreate" : {
            "reactions" : [
              {
                "senderId" : "1500000000000000123",
                "reactionKey" : "funny",
                "eventId" : "1640000000000000006",
                "createdAt" : "2023-03-10T22:15:30.000Z"
              }
            ],
            "urls" : [],
            "text" : "Please stop contacting me.",
            "mediaUrls" : [],
            "senderId" : "987654321098765432",
            "id" : "1640000000000000004",
            "createdAt" : "2023-03-10T22:15:07.512Z",
            "recipientId" : "1500000000000000123"
          }
        },
        {
          "messageCreate" : {
            "reactions" : [],
            "urls" : [
              {
                "url" : "https://t.co/PiCdM00001",
                "expanded" : "https://twitter.com/messages/media/1640000000000000001",
                "display" : "pic.twitter.com/PiCdM00001"
              }
            ],
            "text" : "answer me https://t.co/PiCdM00001",
            "mediaUrls" : [
              "https://ton.twitter.com/dm/1640000000000000001/1640000000000000002/kR3xPic.jpg"
            ],
            "senderId" : "1500000000000000123",
            "id" : "1640000000000000001",
            "createdAt" : "2023-03-10T22:10:00.000Z",
            "recipientId" : "987654321098765432"
          }
        }
      ]
    }
  },
  {
    "dmConversation" : {
      "conversationId" : "987654321098765432-1500000000000000456",
      "messages" : [
        {
          "messageCreate" : {
            "reactions" : [],
            "urls" : [],
            "text" : "Saw what they posted &amp; reported it",
            "mediaUrls" : [
              "https://ton.twitter.com/dm/1641000000000000001/1641000000000000002/GoNeVid.mp4"
            ],
            "senderId" : "1500000000000000456",
            "id" : "1641000000000000001",
            "createdAt" : "2023-04-01T08:00:00.000Z",
            "recipientId" : "987654321098765432"
          }
        }
      ]
    }
  }
]
