/**
 * proto/tim.proto as a protobufjs JSON descriptor, so that the codec needs no
 * file system (browsers). Generated: test/protocol-schema.test.ts fails when it
 * drifts from the .proto; `TIM_UPDATE_SCHEMA=1 npx vitest run test/protocol-schema.test.ts`
 * rewrites it.
 */
const messages = {
  Empty: {"fields":{}},
  TimAuth: {"fields":{"name":{"type":"string","id":1},"pwd":{"type":"string","id":2},"domain":{"type":"string","id":3},"resource":{"type":"string","id":4},"termtyp":{"type":"int32","id":5},"token":{"type":"string","id":6},"extend":{"keyType":"string","type":"string","id":7},"kick":{"rule":"repeated","type":"string","id":8}}},
  TimError: {"fields":{"code":{"type":"int32","id":1},"info":{"type":"string","id":2}}},
  TimSession: {"fields":{"ssid":{"type":"string","id":1},"resource":{"type":"string","id":2},"termtyp":{"type":"int32","id":3},"loginTime":{"type":"int64","id":4},"refreshTime":{"type":"int64","id":5},"ip":{"type":"string","id":6},"gateway":{"type":"string","id":7},"extend":{"keyType":"string","type":"string","id":8}}},
  TimAck: {"fields":{"ok":{"type":"bool","id":1},"timType":{"type":"int32","id":2},"error":{"type":"TimError","id":3},"t":{"type":"int64","id":4},"n":{"type":"string","id":5},"t2":{"type":"int64","id":6},"n2":{"type":"string","id":7},"token":{"type":"string","id":8},"sessions":{"rule":"repeated","type":"TimSession","id":9}}},
  TimSessions: {"fields":{"self":{"type":"TimSession","id":1},"online":{"rule":"repeated","type":"TimSession","id":2}}},
  TimKick: {"fields":{"ssid":{"rule":"repeated","type":"string","id":1}}},
  TimMessage: {"fields":{"msType":{"type":"int32","id":1},"odType":{"type":"int32","id":2},"id":{"type":"int64","id":3},"dataString":{"type":"string","id":10},"timestamp":{"type":"int64","id":12},"extend":{"keyType":"string","type":"string","id":15}}},
  AdmAuth: {"fields":{"name":{"type":"string","id":1},"pwd":{"type":"string","id":2}}},
  AdmSub: {"fields":{"domain":{"type":"string","id":1}}},
  AdmNotice: {"fields":{"domain":{"type":"string","id":1},"names":{"rule":"repeated","type":"string","id":2},"ssids":{"rule":"repeated","type":"string","id":3},"odType":{"type":"int32","id":4},"dataString":{"type":"string","id":5},"extend":{"keyType":"string","type":"string","id":6}}},
  AdmKick: {"fields":{"domain":{"type":"string","id":1},"names":{"rule":"repeated","type":"string","id":2},"ssids":{"rule":"repeated","type":"string","id":3},"reason":{"type":"string","id":4},"blockSeconds":{"type":"int32","id":5}}},
  AdmOnline: {"fields":{"domain":{"type":"string","id":1},"names":{"rule":"repeated","type":"string","id":2}}},
  AdmAccount: {"fields":{"domain":{"type":"string","id":1},"name":{"type":"string","id":2},"sessions":{"rule":"repeated","type":"TimSession","id":3}}},
  AdmOnlineReply: {"fields":{"accounts":{"rule":"repeated","type":"AdmAccount","id":1}}},
  AdmStats: {"fields":{"sessions":{"type":"int64","id":1},"accounts":{"type":"int64","id":2},"connections":{"type":"int64","id":3},"gateways":{"type":"int64","id":4},"perDomain":{"keyType":"string","type":"int64","id":5},"tokens":{"type":"int64","id":6}}},
  AdmToken: {"fields":{"domain":{"type":"string","id":1},"name":{"type":"string","id":2},"ttlSeconds":{"type":"int32","id":3},"extend":{"keyType":"string","type":"string","id":4}}},
  AdmAck: {"fields":{"ok":{"type":"bool","id":1},"admType":{"type":"int32","id":2},"error":{"type":"TimError","id":3},"t":{"type":"int64","id":4},"n":{"type":"string","id":5},"t2":{"type":"int64","id":6},"n2":{"type":"string","id":7}}},
  AdmEvent: {"fields":{"kind":{"type":"int32","id":1},"domain":{"type":"string","id":2},"name":{"type":"string","id":3},"ssid":{"type":"string","id":4},"resource":{"type":"string","id":5},"termtyp":{"type":"int32","id":6},"time":{"type":"int64","id":7},"reason":{"type":"string","id":8},"ip":{"type":"string","id":9}}},
};

/** The `tim` package of proto/tim.proto (Root.fromJSON input). */
export const timSchema = { nested: { tim: { nested: messages } } };
