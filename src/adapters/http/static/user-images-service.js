// The API guide's client, unchanged: every call the page makes goes through it.
class UserImagesService {
  constructor(token) {
    this.token = token;
    this.baseUrl = '/api/resume/';
  }

  // Get current images
  async getCurrentImages() {
    const response = await fetch(`${this.baseUrl}user-images/`, {
      headers: { 'Authorization': `Bearer ${this.token}` }
    });
    return await response.json();
  }

  // Upload profile image
  async uploadProfileImage(imageFile) {
    const formData = new FormData();
    formData.append('profile_image', imageFile);

    const response = await fetch(`${this.baseUrl}user-images/`, {
      method: 'POST',
      headers: {
        'Authorization': `Bearer ${this.token}`
      },
      body: formData
    });
    return await response.json();
  }

  // Upload cover image
  async uploadCoverImage(imageFile) {
    const formData = new FormData();
    formData.append('cover_image', imageFile);

    const response = await fetch(`${this.baseUrl}user-images/`, {
      method: 'POST',
      headers: {
        'Authorization': `Bearer ${this.token}`
      },
      body: formData
    });
    return await response.json();
  }

  // Delete profile image
  async deleteProfileImage() {
    const response = await fetch(`${this.baseUrl}user-images/?type=profile_image`, {
      method: 'DELETE',
      headers: {
        'Authorization': `Bearer ${this.token}`
      }
    });
    return await response.json();
  }

  // Delete cover image
  async deleteCoverImage() {
    const response = await fetch(`${this.baseUrl}user-images/?type=cover_image`, {
      method: 'DELETE',
      headers: {
        'Authorization': `Bearer ${this.token}`
      }
    });
    return await response.json();
  }
}
