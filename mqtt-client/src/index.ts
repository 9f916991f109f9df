/** A lean MQTT 3.1.1 client with its own codec for the LopHoc daemons (docs/mqtt-client.md). */
export {
  type ConnackInfo,
  ConnectionRefusedError,
  type MessageInfo,
  MqttClient,
  type MqttClientEvents,
  type MqttClientOptions,
  type PublishOptions,
  type Subscription,
} from './client.js';
