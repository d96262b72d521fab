The pods read these keys from the Secret {{ include "<CHARTNAME>.secretName" . }} in the same namespace:
